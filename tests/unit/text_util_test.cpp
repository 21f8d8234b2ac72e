#include <catch2/catch.hpp>
#include <string>

#include "base/text_util.hpp"

using namespace leakhound;

TEST_CASE("PercentEncode: unreserved characters stay, the rest becomes %XX") {
  CHECK(PercentEncode("") == "");
  CHECK(PercentEncode("AZaz09-._~") == "AZaz09-._~");
  CHECK(PercentEncode("a b") == "a%20b");
  CHECK(PercentEncode("repository:team/app:pull,push") ==
        "repository%3Ateam%2Fapp%3Apull%2Cpush");
  // Upper-case hex, every byte on its own (UTF-8 "é" is two bytes), NUL and 0xFF included.
  CHECK(PercentEncode("\xc3\xa9") == "%C3%A9");
  CHECK(PercentEncode(std::string("a\0b", 3)) == "a%00b");
  CHECK(PercentEncode("\xff\x7f\x01") == "%FF%7F%01");
  CHECK(PercentEncode("%") == "%25");
}

TEST_CASE("PercentEncode: characters in keep stay as they are") {
  CHECK(PercentEncode("dir/sub file.txt", "/") == "dir/sub%20file.txt");
  CHECK(PercentEncode("a:b@c;d", ":@") == "a:b@c%3Bd");
  // A NUL byte in the input is encoded even when keep is a C string's worth of characters.
  CHECK(PercentEncode(std::string("/\0", 2), "/") == "/%00");
  // "%" itself is encoded unless keep names it.
  CHECK(PercentEncode("100%/x", "/") == "100%25/x");
  CHECK(PercentEncode("100%", "%") == "100%");
}
