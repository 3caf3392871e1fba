#!/usr/bin/env bash
# Offline checks of the deployment files (no Docker daemon, no cluster, no network once the tools are there):
#   bash deploy/validate.sh
# Prints one line per check (PASS/FAIL) and exits non-zero if any check fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failures=0
pass() { printf 'PASS %s\n' "$1"; }
fail() {
  printf 'FAIL %s\n' "$1"
  if [[ -s "$work/out" ]]; then sed 's/^/    /' "$work/out"; fi
  failures=$((failures + 1))
}
# check NAME CMD...: runs CMD with its output captured, shown only on failure.
check() {
  local name="$1"; shift
  if "$@" >"$work/out" 2>&1; then pass "$name"; else fail "$name"; fi
}

# --- tools -------------------------------------------------------------------------------------
missing=()
command -v yamllint >/dev/null 2>&1 || missing+=(yamllint)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if ((${#missing[@]})); then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # No recommends: docker-compose would otherwise pull in docker.io and containerd, which `config` does not need.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "FAIL tools: missing ${missing[*]} (run as root with apt-get, or install them)"
    exit 1
  fi
fi
if ! command -v kubectl >/dev/null 2>&1; then
  echo "FAIL tools: kubectl is not installed"
  exit 1
fi
# promtool (Prometheus' checker) from Debian's prometheus package, unpacked only: see deploy/tools/promtool.sh.
if ! promtool="$(bash deploy/tools/promtool.sh)"; then
  echo "FAIL tools: no promtool (see deploy/tools/promtool.sh)"
  exit 1
fi

# --- YAML style --------------------------------------------------------------------------------
check "yamllint deploy/compose deploy/k8s deploy/prometheus deploy/grafana" \
  yamllint -c .yamllint.yaml deploy/compose deploy/k8s deploy/prometheus deploy/grafana

# --- compose -----------------------------------------------------------------------------------
check "docker-compose config (deploy/compose/docker-compose.yml)" \
  docker-compose -f deploy/compose/docker-compose.yml config -q
# With the audit profile; then what an operator needs: ports on loopback only, PostgreSQL healthy first, the mounts exist.
compose_kit() {
  docker-compose -f deploy/compose/docker-compose.yml --profile audit config >"$work/compose.yml" \
    && python3 deploy/tools/check_observability.py compose "$work/compose.yml"
}
check "docker-compose: loopback ports, PostgreSQL first, Prometheus, Grafana, audit profile" compose_kit

# --- Prometheus and Grafana ----------------------------------------------------------------------
check "promtool check config deploy/prometheus/prometheus.yml (and its rule files)" \
  "$promtool" check config deploy/prometheus/prometheus.yml
check "promtool check rules deploy/prometheus/alerts.yml" "$promtool" check rules deploy/prometheus/alerts.yml
check "promtool test rules deploy/prometheus/alerts.test.yml" bash -c 'cd deploy/prometheus && "$1" test rules alerts.test.yml' _ "$promtool"
check "alerts: a runbook section in docs/operations.md and a firing and a quiet unit test each" \
  python3 deploy/tools/check_observability.py runbooks
# Each dashboard query as a recording rule, so promtool parses it as Prometheus would.
dashboards() {
  python3 deploy/tools/check_observability.py dashboards "$work/dashboards.rules.yml" \
    && "$promtool" check rules "$work/dashboards.rules.yml"
}
check "dashboards deploy/grafana/dashboards/*.json: every query parses under promtool" dashboards

# --- Kubernetes, offline -----------------------------------------------------------------------
# A dummy kubeconfig: nothing here may reach (or even name) a real cluster. `--local` commands never
# contact a server; `kubectl apply/create --dry-run=client` would (for API discovery), so they are not used.
printf 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n' >"$work/kubeconfig"
export KUBECONFIG="$work/kubeconfig"

# 1. The kustomization renders (every listed file exists and parses, every object has kind and name).
check "kubectl kustomize deploy/k8s" kubectl kustomize deploy/k8s

# 2. Every manifest is listed in kustomization.yaml.
unlisted() {
  local f bad=0
  for f in deploy/k8s/*.yaml; do
    [[ "$(basename "$f")" == kustomization.yaml ]] && continue
    if ! grep -Eq "^[[:space:]]*-[[:space:]]*$(basename "$f")[[:space:]]*$" deploy/k8s/kustomization.yaml; then
      echo "$f is not in deploy/k8s/kustomization.yaml resources"; bad=1
    fi
  done
  return "$bad"
}
check "deploy/k8s: every manifest is in kustomization.yaml" unlisted

# 2b. The order and the operators' kit: silos wait for the schema, resources set, HPA beyond CPU, audit CronJob, scraping.
k8s_kit() { kubectl kustomize deploy/k8s | python3 deploy/tools/check_observability.py k8s; }
check "deploy/k8s: migrate before silos, resources, HPA on request rate, audit CronJob, scrape annotations" k8s_kit

# 3. Each manifest, per file: `kubectl patch --local` with an empty strategic-merge patch needs each
#    object's apiVersion/kind to be a type built into kubectl (a wrong apiVersion or kind, or
#    malformed YAML, fails). For workloads, `kubectl set env --local` also decodes the object into
#    its Go type, so a field of the wrong type (e.g. replicas: "three") fails too.
#    Not caught offline: unknown field names (the server's schema validation would).
for f in deploy/k8s/*.yaml; do
  [[ "$(basename "$f")" == kustomization.yaml ]] && continue
  check "kubectl patch --local $f" kubectl patch --local --dry-run=client -o name -p '{}' -f "$f"
  kinds="$(sed -n 's/^kind:[[:space:]]*//p' "$f")"
  if [[ -n "$kinds" ]] && ! grep -Eqv '^(Deployment|StatefulSet|DaemonSet|Job|CronJob|Pod)[[:space:]]*$' <<<"$kinds"; then
    check "kubectl set env --local $f (typed decode)" \
      kubectl set env --local --dry-run=client -o name -f "$f" VALIDATE_ONLY=1
  fi
done

# --- Dockerfiles (build context = repository root) -----------------------------------------------
# Cheap static checks: FROM comes first, there is an ENTRYPOINT, a non-root USER, and every COPY
# source (other than COPY --from=stage) exists in the repository.
dockerfile_ok() {
  local df="$1" bad=0 line first="" src
  # Join continuation lines, drop comments and blank lines.
  sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$df" | grep -Ev '^[[:space:]]*(#|$)' >"$work/df" || true
  first="$(head -n1 "$work/df" | awk '{print toupper($1)}')"
  [[ "$first" == FROM ]] || { echo "$df: the first instruction is $first, not FROM"; bad=1; }
  grep -Eqi '^[[:space:]]*ENTRYPOINT[[:space:]]' "$work/df" || { echo "$df: no ENTRYPOINT"; bad=1; }
  grep -Eqi '^[[:space:]]*EXPOSE[[:space:]]' "$work/df" || { echo "$df: no EXPOSE"; bad=1; }
  local user
  user="$(grep -Ei '^[[:space:]]*USER[[:space:]]' "$work/df" | tail -n1 | awk '{print $2}')"
  if [[ -z "$user" || "$user" == root || "$user" == 0 || "$user" == 0:* ]]; then
    echo "$df: the final USER is not a non-root user ('${user:-none}')"; bad=1
  fi
  while read -r line; do
    # shellcheck disable=SC2206
    local words=($line)
    local args=() w
    for w in "${words[@]:1}"; do
      [[ "$w" == --* ]] && continue
      args+=("$w")
    done
    ((${#args[@]} >= 2)) || { echo "$df: malformed: $line"; bad=1; continue; }
    for src in "${args[@]:0:${#args[@]}-1}"; do
      [[ -e "$root/$src" ]] || { echo "$df: COPY source '$src' does not exist in the repository"; bad=1; }
    done
  done < <(grep -Ei '^[[:space:]]*(COPY|ADD)[[:space:]]' "$work/df" | grep -Eiv '[[:space:]]--from=' || true)
  return "$bad"
}
for df in deploy/docker/*.Dockerfile; do
  check "dockerfile $df" dockerfile_ok "$df"
done
# The SQL scripts that the Silo build embeds must not be excluded from the build context.
sql_in_context() {
  ! grep -Eq '^[[:space:]]*/?(deploy|deploy/sql|deploy/sql/.*)/?[[:space:]]*$' .dockerignore \
    || { echo ".dockerignore excludes deploy/sql"; return 1; }
}
check ".dockerignore keeps deploy/sql" sql_in_context

if ((failures)); then
  echo "validate: $failures check(s) failed"
  exit 1
fi
echo "validate: all checks passed"
