# Long protocol fuzz session (randomised; default 3000 examples, two requests each) against the
# real bundled model: GGSERVE_FUZZ_EXAMPLES=N make fuzz-proto.
GGSERVE_FUZZ_EXAMPLES ?= 3000
.PHONY: fuzz-proto
fuzz-proto: dev
	GGSERVE_FUZZ_EXAMPLES=$(GGSERVE_FUZZ_EXAMPLES) $(VENV)/bin/pytest tests/fuzz -q -s
