# The front door. `make help` lists the targets.
SHELL     := bash
GO        ?= go
FUNCTIONS := webhook interactions oauth worker sweep upkeep
# Fuzzing time inside `make test`; `make fuzz FUZZTIME=10m` for a long run.
FUZZTIME  ?= 15s
# Packages with adapter tests that also run against moto_server.
MOTO_PKGS := ./shared/dynamo ./shared/jobqueue

.DEFAULT_GOAL := help
.PHONY: help dev test check fmt-check vet staticcheck unit fuzz-short fuzz moto lint-template tools build bench deploy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

dev: ## run the whole bot locally: webhook on 127.0.0.1:8080, embedded DynamoDB, in-process worker
	$(GO) run ./scripts/local

test: tools check unit fuzz-short moto lint-template ## everything: checks, unit tests, a short fuzz, moto adapter tests, cfn-lint

check: fmt-check vet staticcheck ## gofmt, go vet, staticcheck and the dependency rule
	$(GO) test -count=1 -run 'TestDependencyRule|TestTemplate' .

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>&1); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags moto $(MOTO_PKGS)

staticcheck:
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags moto $(MOTO_PKGS)

unit: ## go test ./... (needs only Go: embedded emulator and httptest fakes)
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race ./shared/ingest ./shared/localqueue ./shared/jobqueue ./shared/sweep ./functions/sweep ./shared/discord ./scripts/local \
	  ./shared/credential ./shared/chat ./shared/rolesync ./shared/connect ./shared/kickapi/...

fuzz-short:
	$(GO) test -run '^$$' -fuzz '^FuzzWebhook$$' -fuzztime $(FUZZTIME) ./shared/kick
	$(GO) test -run '^$$' -fuzz '^FuzzInteraction$$' -fuzztime $(FUZZTIME) ./shared/discord
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeInteraction$$' -fuzztime $(FUZZTIME) ./shared/discord
	$(GO) test -run '^$$' -fuzz '^FuzzOpen$$' -fuzztime $(FUZZTIME) ./shared/consent

fuzz: ## fuzz the Kick webhook, Discord interaction and OAuth state parsers for FUZZTIME each (default 15s; try FUZZTIME=10m)
	$(GO) test -run '^$$' -fuzz '^FuzzWebhook$$' -fuzztime $(FUZZTIME) ./shared/kick
	$(GO) test -run '^$$' -fuzz '^FuzzInteraction$$' -fuzztime $(FUZZTIME) ./shared/discord
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeInteraction$$' -fuzztime $(FUZZTIME) ./shared/discord
	$(GO) test -run '^$$' -fuzz '^FuzzOpen$$' -fuzztime $(FUZZTIME) ./shared/consent

moto: ## DynamoDB and SQS adapter tests against a moto_server on a random loopback port
	bash scripts/with-moto.sh $(GO) test -count=1 -tags moto $(MOTO_PKGS)

lint-template: ## cfn-lint template.yaml (errors and warnings fail)
	cfn-lint template.yaml

tools: ## install moto[server] and cfn-lint with pip, only where missing
	@command -v moto_server >/dev/null || python3 -m pip install --quiet 'moto[server]'
	@command -v cfn-lint >/dev/null || python3 -m pip install --quiet cfn-lint
	@command -v moto_server >/dev/null && command -v cfn-lint >/dev/null

build: ## build each function for Lambda (linux/arm64, static, stripped) into bin/
	@for f in $(FUNCTIONS); do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags='-s -w' -o bin/$$f/bootstrap ./functions/$$f || exit 1; \
	  printf '%-10s %s bytes\n' $$f $$(stat -c %s bin/$$f/bootstrap); \
	done

bench: ## the benchmarks behind BENCHMARKS.md (the emulator sweep takes a few minutes)
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./shared/kick ./functions/webhook ./shared/sweep
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 3 -timeout 30m ./functions/sweep

deploy: ## build from scratch (no SAM cache: it misses shared/ and go.mod changes) and sam deploy --guided
	rm -rf .aws-sam && sam build && sam deploy --guided

clean:
	rm -rf bin .aws-sam .local
