# Thin wrapper around CMake. `make run` and `make test` install dependencies first.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

.PHONY: all deps configure build run test test-asan fuzz bench accuracy clean

all: build

deps:
	@./tools/deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Scans the bundled corpus of fake secrets. leakhound exits 1 when it finds something, which is
# the expected outcome here.
run: build
	@$(BUILD)/leakhound scan corpus; rc=$$?; if [ $$rc -gt 1 ]; then exit $$rc; fi

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite built with AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer),
# at -O1 with line tables; any report from any process, the binary's children included, fails
# it. The checks of documents and CI scripts are disabled there (tests/packaging/CMakeLists.txt).
ASAN_BUILD ?= build-asan
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEAKHOUND_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@tools/sanitized-ctest.sh $(ASAN_BUILD) $(JOBS)

# libFuzzer on every target for FUZZ_SECONDS each (clang; new inputs and crashes stay in the
# build directory: add the ones worth keeping to tests/fuzz/corpus/<target>/).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
fuzz:
	@./tools/deps.sh --fuzz
	@CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEAKHOUND_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@tools/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(JOBS)

bench: build
	@./tools/deps.sh --bench
	@bench/run.sh $(BUILD)/leakhound

# Precision/recall/F1 of the build on the labelled corpus of tests/accuracy (bench/ACCURACY.md);
# exits non-zero when a figure falls below tests/accuracy/floors.json, or when the corpus is not
# what tools/gen_accuracy.py writes.
accuracy: build
	@tests/accuracy/check_generated.sh
	@python3 tests/accuracy/score.py --binary $(BUILD)/leakhound --floors tests/accuracy/floors.json

clean:
	rm -rf $(BUILD)
