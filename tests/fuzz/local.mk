# libFuzzer targets (tests/fuzz)
