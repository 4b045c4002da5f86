# The front door. `make help` lists the targets.
SHELL     := bash
GO        ?= go
FUNCTIONS := webhook interactions oauth worker sweep upkeep
# Their logical ids in template.yaml: sam build runs build-<id> (see lambda-build).
LAMBDAS   := WebhookFunction InteractionsFunction OauthFunction WorkerFunction SweepFunction UpkeepFunction
# `make fuzz` runs each target for FUZZTIME (try FUZZTIME=10m). `make test`
# runs each for a number of inputs instead (about 10 s each here): a duration
# races Go's fuzzing coordinator at its deadline (go1.26 and older), which then
# fails with "context deadline exceeded" and no failing input; a count has no
# deadline to race.
FUZZTIME  ?= 15s
# Packages with adapter tests that also run against moto_server.
MOTO_PKGS := ./shared/aws/dynamo ./shared/aws/jobqueue

.DEFAULT_GOAL := help
.PHONY: help dev test check fmt-check vet staticcheck unit fuzz-short fuzz moto lint-template tools build coldstart bench ratios loadtest deploy clean

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
	$(GO) test -count=1 -race ./shared/ingest ./shared/local/localqueue ./shared/aws/jobqueue ./shared/sweep ./functions/sweep ./shared/discord ./scripts/local \
	  ./shared/credential ./shared/chat ./shared/rolesync ./shared/connect ./shared/kick/kickapi ./shared/kick/kickfake

# Every fuzz target: package:target:inputs `make test` runs (about 5-10 s each
# here). TestFuzzTargetsListed checks that none is missing.
FUZZ_TARGETS := \
  ./shared/kick:FuzzWebhook:25000x \
  ./shared/discord:FuzzInteraction:45000x \
  ./shared/discord:FuzzDecodeInteraction:70000x \
  ./shared/consent:FuzzOpen:800000x \
  ./shared/command:FuzzParse:500000x \
  ./shared/response:FuzzRender:450000x \
  ./shared/money:FuzzParse:600000x \
  ./shared/kick:FuzzDecodeChat:100000x \
  ./shared/reply:FuzzFit:200000x \
  ./shared/wording:FuzzTidy:120000x \
  ./scripts/verifypick:FuzzReadTable:40000x \
  ./shared/pick:FuzzDrawWeighted:250000x \
  ./shared/clipsvc:FuzzCreate:50000x \
  ./shared/kick/kickapi:FuzzChannels:40000x \
  ./shared/kick/kickapi:FuzzAppToken:35000x \
  ./shared/announce:FuzzAnnounceSet:20000x \
  ./shared/announce:FuzzEventPost:100000x \
  ./shared/golive:FuzzPosts:70000x \
  ./shared/clip:FuzzPost:80000x \
  ./shared/giveaway:FuzzKeyword:70000x \
  ./shared/custom:FuzzNames:170000x \
  ./shared/discord:FuzzLimiterAnswered:120000x

fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do IFS=: read -r pkg name n <<<"$$t"; bash scripts/fuzz.sh "$$pkg" "$$name" "$$n"; done

fuzz: ## fuzz every parser of outside input (webhook, chat, interactions, OAuth state, commands, amounts, Kick, Discord and clip service answers, ticket tables, settings), the renderer and the draw for FUZZTIME each (default 15s; try FUZZTIME=10m)
	@set -e; for t in $(FUZZ_TARGETS); do IFS=: read -r pkg name n <<<"$$t"; bash scripts/fuzz.sh "$$pkg" "$$name" $(FUZZTIME); done

moto: ## DynamoDB and SQS adapter tests against a moto_server on a random loopback port
	bash scripts/with-moto.sh $(GO) test -count=1 -tags moto $(MOTO_PKGS)

lint-template: ## cfn-lint template.yaml (errors and warnings fail)
	cfn-lint template.yaml

tools: ## install moto[server], cfn-lint and the SAM translator with pip, only where missing
	@command -v moto_server >/dev/null || python3 -m pip install --quiet 'moto[server]'
	@command -v cfn-lint >/dev/null || python3 -m pip install --quiet cfn-lint
	@python3 -c 'import samtranslator' 2>/dev/null || python3 -m pip install --quiet aws-sam-translator # the IAM test's SAM transform (scripts/sam-transform.py)
	@command -v moto_server >/dev/null && command -v cfn-lint >/dev/null && python3 -c 'import samtranslator'

# The zip is what sam deploy uploads: Python's zipfile, deflated.
build: $(addprefix build-,$(LAMBDAS)) ## build each function for Lambda into bin/<function>/bootstrap, as sam build does, and zip it
	@for f in $(FUNCTIONS); do \
	  rm -f bin/$$f.zip; (cd bin/$$f && python3 -m zipfile -c ../$$f.zip bootstrap) || exit 1; \
	  printf '%-13s bootstrap %9s bytes, zip %9s bytes\n' $$f $$(stat -c %s bin/$$f/bootstrap) $$(stat -c %s bin/$$f.zip); \
	done

# The one Lambda build, for `make build` and for `sam build`: each function in
# template.yaml has BuildMethod: makefile, so SAM runs `make build-<LogicalId>`
# here with ARTIFACTS_DIR set and zips what lands there (make build writes to
# bin/<package> instead). Static (CGO_ENABLED=0), stripped, no VCS stamp (SAM's
# copy of the source has no .git, so both builds match), and lambda.norpc:
# provided.al2023 speaks only the Runtime API, and the go1.x runtime's net/rpc
# mode (net/rpc, encoding/gob) costs up to 8 MB a binary. TestTemplateLambdaBuild
# checks that every template function is built here, with these flags.
LAMBDA_ARCH := arm64
LAMBDA_TAGS := lambda.norpc
lambda-build = CGO_ENABLED=0 GOOS=linux GOARCH=$(LAMBDA_ARCH) $(GO) build -tags '$(LAMBDA_TAGS)' -trimpath -buildvcs=false -ldflags='-s -w' -o $(or $(ARTIFACTS_DIR),bin/$(notdir $(1)))/bootstrap $(1)
.PHONY: $(addprefix build-,$(LAMBDAS)) build-MinimalFunction

build-WebhookFunction:
	$(call lambda-build,./functions/webhook)
build-InteractionsFunction:
	$(call lambda-build,./functions/interactions)
build-OauthFunction:
	$(call lambda-build,./functions/oauth)
build-WorkerFunction:
	$(call lambda-build,./functions/worker)
build-SweepFunction:
	$(call lambda-build,./functions/sweep)
build-UpkeepFunction:
	$(call lambda-build,./functions/upkeep)
# The floor of the cold-start comparison (scripts/coldstart), built the same way.
build-MinimalFunction:
	$(call lambda-build,./scripts/minimal-lambda)

coldstart: ## zip size and package-init time of each function against a minimal aws-lambda-go function (BENCHMARKS.md)
	$(GO) run ./scripts/coldstart

bench: ## the benchmarks behind BENCHMARKS.md (the emulator sweep takes a few minutes)
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./shared/kick ./functions/webhook ./shared/sweep
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 3 -timeout 30m ./functions/sweep

ratios: ## the CPU budgets' ratios (BENCHMARKS.md): medians of 7 rounds against their floors, default GOMAXPROCS and 1
	$(GO) run ./scripts/benchratio -pkg ./functions/webhook -floor RSAVerify -subject WebhookChat
	$(GO) run ./scripts/benchratio -pkg ./shared/discord -floor Ed25519Verify -subject HandlePoints
	$(GO) run ./scripts/benchratio -procs 1 -pkg ./functions/webhook -floor RSAVerify -subject WebhookChat
	$(GO) run ./scripts/benchratio -procs 1 -pkg ./shared/discord -floor Ed25519Verify -subject HandlePoints

loadtest: ## the local stack under load at full size (50 guilds, 2,000 viewers, 20,550 events and 10 % duplicates over 10 simulated minutes); make test runs it reduced
	$(GO) test -count=1 -run '^TestLoad$$' -v -timeout 45m ./scripts/local -loadtest.full

deploy: ## build from scratch (no SAM cache: it misses shared/ and go.mod changes) and sam deploy --guided
	rm -rf .aws-sam && sam build && sam deploy --guided

clean:
	rm -rf bin .aws-sam .local
