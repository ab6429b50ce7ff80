# Long HTTP fuzz session (randomised; default 1500 examples, two requests each, plus a health
# check) against `ggserve serve --http-port` over the real bundled model:
# GGSERVE_HTTP_FUZZ_EXAMPLES=N make fuzz-http.
GGSERVE_HTTP_FUZZ_EXAMPLES ?= 1500
.PHONY: fuzz-http
fuzz-http: dev
	GGSERVE_HTTP_FUZZ_MODEL=bundled GGSERVE_HTTP_FUZZ_EXAMPLES=$(GGSERVE_HTTP_FUZZ_EXAMPLES) \
		$(VENV)/bin/pytest tests/fuzz/test_http_fuzz.py -q -s --timeout=0
