// The base58check, bip39 and bech32 checksum kinds. Every key and phrase here is fake: made
// from random bytes for the test, except the published vectors named in the comments.
#include <catch2/catch.hpp>

#include <string>

#include "leakhound/rule.hpp"
#include "rules/checksum.hpp"

using namespace leakhound;

TEST_CASE("DecodeBase58 keeps leading zero bytes and rejects characters outside the alphabet") {
  std::string out;
  REQUIRE(DecodeBase58("1112", &out));
  CHECK(out == std::string("\0\0\0\x01", 4));
  REQUIRE(DecodeBase58("5R", &out));  // '5' is 4, 'R' is 24: 4 * 58 + 24 = 256
  CHECK(out == std::string("\x01\x00", 2));
  CHECK_FALSE(DecodeBase58("0OIl", &out));
  CHECK_FALSE(DecodeBase58("", &out));
}

TEST_CASE("base58check: BIP-32 extended keys and WIF keys pass, any changed character fails") {
  // The WIF form of the private key 0C28FCA3...AA1D, from the Bitcoin wiki's WIF page.
  CHECK(ValidBase58Check("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"));
  CHECK_FALSE(ValidBase58Check("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTK"));
  // Random keys: a compressed WIF, an xprv, a zprv.
  CHECK(ValidBase58Check("Kxa24vNSQucaPekUt51VTigWRAvDY3UAivuJuJJbgcAHNhebHK6n"));
  const std::string xprv =
      "xprv9xKosn2VRd13xSAZhp9hpHxpuk4qi13VemFyTKM9UQrcmJ92k6duQHGkBac1Xn9o8LrkG1DUpyLH23NAdcppwBk"
      "Hp8eChvwt7oKHQpBETYs";
  CHECK(ValidBase58Check(xprv));
  CHECK(ValidBase58Check("zprvAZb5JyyCku246Tbc9c3eikR7u3Fe8HqzKNctB1S4Dk8zvcVUZjnQb8rhm9xKpyw7jiTU1"
                         "UnmWvKpTphBy2b9qEKCQUHYowFhdyUUoUH38j6"));
  std::string changed = xprv;
  changed[40] = changed[40] == 'a' ? 'b' : 'a';
  CHECK_FALSE(ValidBase58Check(changed));
  CHECK_FALSE(ValidBase58Check(xprv.substr(0, xprv.size() - 1)));
  CHECK_FALSE(ValidBase58Check("xprv0000"));  // '0' is not base58
  CHECK_FALSE(ValidBase58Check("1111"));      // four zero bytes: too short for a checksum
}

TEST_CASE("bip39: English phrases of 12 to 24 words with the right checksum pass") {
  // Published BIP-39 vectors (entropy 00..00, 7f..7f, ff..ff).
  CHECK(ValidBip39English("abandon abandon abandon abandon abandon abandon abandon abandon "
                          "abandon abandon abandon about"));
  CHECK(ValidBip39English(
      "legal winner thank year wave sausage worth useful legal winner thank yellow"));
  CHECK(ValidBip39English("zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong"));
  // Random phrases of each length; case and separators do not matter.
  CHECK(ValidBip39English("recall order novel hospital east sense oxygen spare tunnel citizen "
                          "rather deny"));
  CHECK(ValidBip39English("Recall, Order, Novel, Hospital, East, Sense, Oxygen, Spare,\n"
                          "Tunnel, Citizen, Rather, Deny"));
  CHECK(ValidBip39English("corn gold example vanish radar gun excess arena cactus more fly thumb "
                          "nasty equip ball"));
  CHECK(ValidBip39English("heavy worth enact weather student another reward card scan vendor "
                          "ecology long oxygen twelve scrub bacon slogan speak"));
  CHECK(ValidBip39English("act festival interest thrive syrup tide celery relief amazing tissue "
                          "victory pluck junior mystery artefact shield cause eternal quiz best "
                          "wedding"));
  CHECK(ValidBip39English("dad custom mountain mercy nuclear museum cricket potato decorate enjoy "
                          "kangaroo screen evolve glide mom obvious okay exchange awkward primary "
                          "speak east april more"));
}

TEST_CASE("bip39: a wrong checksum word, an unlisted word or a wrong count fails") {
  // Twelve times "abandon": the checksum of 16 zero bytes needs "about" last.
  CHECK_FALSE(ValidBip39English("abandon abandon abandon abandon abandon abandon abandon abandon "
                                "abandon abandon abandon abandon"));
  // One swapped word.
  CHECK_FALSE(ValidBip39English("recall order novel hospital east sense oxygen spare tunnel "
                                "citizen rather deer"));
  // Not in the list ("abandons", "bitcoin").
  CHECK_FALSE(ValidBip39English("abandons abandon abandon abandon abandon abandon abandon abandon "
                                "abandon abandon abandon about"));
  CHECK_FALSE(ValidBip39English("bitcoin abandon abandon abandon abandon abandon abandon abandon "
                                "abandon abandon abandon about"));
  // 11 and 13 words.
  CHECK_FALSE(ValidBip39English("abandon abandon abandon abandon abandon abandon abandon abandon "
                                "abandon abandon about"));
  CHECK_FALSE(ValidBip39English("abandon abandon abandon abandon abandon abandon abandon abandon "
                                "abandon abandon abandon abandon about"));
  CHECK_FALSE(ValidBip39English(""));
}

TEST_CASE("bech32: BIP-173 strings and age secret keys") {
  // Valid vectors from BIP-173.
  CHECK(ValidBech32("A12UEL5L"));
  CHECK(ValidBech32("a12uel5l"));
  CHECK(ValidBech32("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw"));
  // Invalid vectors from BIP-173: mixed case, an empty human-readable part, a too short checksum.
  CHECK_FALSE(ValidBech32("A12uEL5L"));
  CHECK_FALSE(ValidBech32("1qzzfhee"));
  CHECK_FALSE(ValidBech32("li1dgmt3"));
  // Random: an age secret key (upper case, longer than 90 characters is allowed) and a
  // lower-case string.
  const std::string age = "AGE-SECRET-KEY-15SRD5XMHXWQGDETFEDAWMVU06W4XE65UE8R3XT5GJ986CYTD5YAQNL3V8H";
  CHECK(ValidBech32(age));
  CHECK(ValidBech32("leakhound1vd5x2cmtwd6k6grtd9hxgucvxv38a"));
  std::string changed = age;
  changed[30] = changed[30] == 'Q' ? 'P' : 'Q';
  CHECK_FALSE(ValidBech32(changed));
  CHECK_FALSE(ValidBech32("AGE-SECRET-KEY-1"));
}

TEST_CASE("The new kinds have names the rule loader accepts and ValidChecksum dispatches") {
  for (const char* name : {"base58check", "bip39", "bech32"}) {
    auto kind = ParseChecksum(name);
    REQUIRE(kind.has_value());
    CHECK(ChecksumName(*kind) == name);
  }
  CHECK(ValidChecksum(*ParseChecksum("base58check"),
                      "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"));
  CHECK(ValidChecksum(*ParseChecksum("bip39"),
                      "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong"));
  CHECK(ValidChecksum(*ParseChecksum("bech32"), "a12uel5l"));
  CHECK_FALSE(ValidChecksum(*ParseChecksum("bech32"), "a12uel5m"));
}
