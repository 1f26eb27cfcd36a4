# berth: build, demo, tests, conformance and benchmarks.
#   make           build ./berth (the C init and the seccomp compiler first:
#                  they are embedded)
#   make demo      install what is missing, build, run a container from a default bundle
#   make test      every test lane (see README.md)
export PATH := /usr/local/go/bin:$(PATH)

GO ?= go
CC_INIT ?= $(shell command -v musl-gcc 2>/dev/null || echo gcc)
INIT_CFLAGS ?= -static -Os -s -std=gnu11 -Wall -Wextra -Werror -fno-asynchronous-unwind-tables \
	-idirafter /usr/include -idirafter /usr/include/x86_64-linux-gnu
VERSION ?= 0.1.0
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# berth starts for every container operation, so its start-up counts: pure
# Go (CGO_ENABLED=0: static, no glibc or cgo start-up), stripped, and
# without urfave/cli's man/markdown generator (its parser's init runs at
# every start). libseccomp is linked only into the seccomp compiler
# (libcontainer/seccomp/compiler), a static cgo helper embedded in berth
# and run on a seccomp cache miss; netgo/osusergo keep glibc's NSS out of
# its static link.
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.gitCommit=$(COMMIT)
BUILDTAGS ?= urfave_cli_no_docs netgo osusergo
HELPER_LDFLAGS := -s -w -linkmode external -extldflags "-static"
INIT_SRC := $(wildcard nsexec/c/*.c nsexec/c/*.h)
GO_SRC := $(shell find . -name '*.go' -not -path './tests/*' 2>/dev/null) go.mod go.sum
SECCOMP_HELPER := libcontainer/seccomp/compiler/berth-seccomp
SECCOMP_SRC := $(wildcard libcontainer/seccomp/*.go libcontainer/seccomp/compiler/*.go) go.mod go.sum
# what berth embeds: `go build` and `go test` of berth's packages need them
EMBEDDED := nsexec/berth-init $(SECCOMP_HELPER).gz $(SECCOMP_HELPER).info

.PHONY: all deps demo test unit integration conformance bench test-v2 test-systemd test-engines test-cri test-stress fuzz lint clean
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $(HOME)/go/bin/staticcheck)

all: berth

nsexec/berth-init: $(INIT_SRC)
	$(CC_INIT) $(INIT_CFLAGS) -o $@ $(filter %.c,$^)

# the seccomp compiler, and its `info` (libseccomp version, architectures),
# which berth embeds so that no command runs the helper to learn them
$(SECCOMP_HELPER): $(SECCOMP_SRC)
	CGO_ENABLED=1 $(GO) build -trimpath -tags "$(BUILDTAGS)" -ldflags '$(HELPER_LDFLAGS)' -o $@ ./libcontainer/seccomp/compiler

$(SECCOMP_HELPER).info: $(SECCOMP_HELPER)
	$(SECCOMP_HELPER) info > $@.tmp && mv $@.tmp $@

$(SECCOMP_HELPER).gz: $(SECCOMP_HELPER)
	gzip -9 -n -c $< > $@.tmp && mv $@.tmp $@

berth: $(EMBEDDED) $(GO_SRC)
	CGO_ENABLED=0 $(GO) build -trimpath -tags "$(BUILDTAGS)" -ldflags "$(LDFLAGS)" -o $@ .

# berth-crashtest is berth with crash points (libcontainer/crashpoint_crashtest.go):
# BERTH_CRASH_AT=<step> SIGKILLs it at that step. Only the stress lane uses it.
berth-crashtest: $(EMBEDDED) $(GO_SRC)
	CGO_ENABLED=0 $(GO) build -trimpath -tags "$(BUILDTAGS) berth_crashtest" -ldflags "$(LDFLAGS)" -o $@ .

# deps installs what a fresh Debian 12 machine lacks to build and test berth.
deps:
	@scripts/deps.sh

demo: deps berth
	@scripts/demo.sh ./berth

# The test lanes run `go test -json` through tests/skipcheck: it prints
# the verbose output and fails the lane on a failure, on a package that
# ran no test, and on a skip whose reason tests/skips.allow does not name
# as a host limitation.
SKIPCHECK = $(GO) run ./tests/skipcheck

unit: $(EMBEDDED)
	$(SKIPCHECK) -name unit -- $(GO) test -json -count=1 . ./specconv/... ./libcontainer/... \
		./cgroups/... ./nsexec/... ./internal/... ./tests/seccompagent/... ./tests/skipcheck/... ./tests/testlint/...

integration: berth
	$(SKIPCHECK) -name integration -- $(GO) test -json -count=1 -timeout 20m ./tests/integration/...

# test-stress: crashes at every step, random kills, concurrency, exhaustion,
# stdio and a soak (tests/stress/README.md). STRESS=quick (the default, a
# few minutes) or STRESS=full (the issue's counts: 2000 soak lifecycles).
STRESS ?= quick
test-stress: berth berth-crashtest
	STRESS=$(STRESS) $(SKIPCHECK) -name stress -- $(GO) test -json -count=1 -timeout 60m ./tests/stress/...

# test runs every lane; each lane installs what it needs.
test: deps
	$(MAKE) lint
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) test-stress
	$(MAKE) conformance
	$(MAKE) test-engines
	$(MAKE) test-cri
	$(MAKE) test-v2
	$(MAKE) test-systemd
	$(MAKE) fuzz

# fuzz runs every fuzz target for FUZZTIME seconds: config.json decoding
# and conversion (the generated decoder against encoding/json too), the
# plan encoding checked by the init's own decoder, the parent's reader of
# the init's messages, the JSON tokenizer and the state record's decoder
# against encoding/json, and the init's decoder itself
# under libFuzzer (nsexec/c/fuzz/run.sh).
FUZZTIME ?= 20
fuzz: $(EMBEDDED)
	tests/gofuzz.sh ./specconv FuzzConvert $(FUZZTIME)
	tests/gofuzz.sh ./specconv FuzzLoad $(FUZZTIME)
	tests/gofuzz.sh ./specconv FuzzDecode $(FUZZTIME)
	tests/gofuzz.sh ./libcontainer FuzzPlanEncoding $(FUZZTIME)
	tests/gofuzz.sh ./libcontainer FuzzInitFrames $(FUZZTIME)
	tests/gofuzz.sh ./internal/jsontok FuzzReader $(FUZZTIME)
	tests/gofuzz.sh ./internal/jsontok FuzzAppendString $(FUZZTIME)
	tests/gofuzz.sh ./libcontainer FuzzRecordDecoder $(FUZZTIME)
	nsexec/c/fuzz/run.sh $(FUZZTIME)

# berth's own packages as the pure-Go binary builds them (files for !cgo
# included), which lint checks besides the default cgo build
PURE_GO_PKGS = $$(CGO_ENABLED=0 $(GO) list -tags "$(BUILDTAGS)" -deps -f '{{.ImportPath}}' . | grep '^github.com/berth-oci/berth')

lint: $(EMBEDDED)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) vet -tags "$(BUILDTAGS)" $(PURE_GO_PKGS)
	@test -x $(STATICCHECK) || GOBIN=$(HOME)/go/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	$(STATICCHECK) ./...
	CGO_ENABLED=0 $(STATICCHECK) -tags "$(BUILDTAGS)" $(PURE_GO_PKGS)
	$(GO) run ./tests/testlint
	@command -v shellcheck >/dev/null || scripts/deps.sh
	scripts/shellcheck.sh

conformance: berth
	tests/conformance/check.sh ./berth

test-v2: berth
	tests/v2vm/lane.sh

# test-systemd: the systemd cgroup driver where systemd is PID 1: one qemu
# guest booting the host's systemd (tests/systemdvm), its sanity and
# safety checks, then every TestSystemd* test against ./berth.
test-systemd: berth
	tests/systemdvm/lane.sh

# test-engines: containerd 1.6 and 2.x, podman and Docker drive ./berth
# (tests/engines; ENGINES_BASELINE=1 runs every scenario with runc too).
test-engines: berth
	tests/engines/lane.sh ./berth

# test-cri: berth as a Kubernetes runtime handler under containerd's CRI
# plugin (tests/cri, docs/kubernetes.md): a crictl pod lifecycle;
# CRI_CRITEST=1 adds critest with the berth and runc handlers,
# CRI_BASELINE=1 the pod lifecycle with runc. `make test` runs the smoke
# (with a pod in a user namespace; CRI_USERNS=0 leaves it out).
test-cri: berth
	tests/cri/lane.sh ./berth

# bench: berth plainly and through the same wrapper as crun (-w), beside
# runc and crun; BENCH_ARGS=-q for a quick run; BEFORE=/path/to/old/berth
# adds an older build to the same run (columns berth ÷ before).
BENCH_ARGS ?=
BEFORE ?=
bench: berth
	bench/setup.sh
	flock /tmp/conf-suite.lock bench/bench.sh -w $(BENCH_ARGS) $(if $(BEFORE),before=$(BEFORE)) berth=./berth

clean:
	rm -f berth berth-crashtest $(EMBEDDED) $(SECCOMP_HELPER) $(SECCOMP_HELPER).*.tmp
