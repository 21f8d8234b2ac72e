# Thin wrapper around CMake. `make run` and `make test` install dependencies first.
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

.PHONY: all deps configure build run test bench clean

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

bench: build
	@./tools/deps.sh --bench
	@bench/run.sh $(BUILD)/leakhound

clean:
	rm -rf $(BUILD)
