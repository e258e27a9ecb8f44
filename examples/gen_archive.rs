//! Synthetic incident archive for benchmarking and load-testing `rca-site`.
//!
//! ```text
//! cargo run --release --example gen_archive -- --out DIR --incidents N [--seed S] [--git-commits C]
//! ```
//!
//! Writes `DIR/rca-site.toml` and `DIR/content/incidents/<year>/<id>.md` in the
//! format of SPEC §1. Content is pseudo-random but deterministic (same seed,
//! same bytes), so benchmark numbers from different machines and days compare.
//! The archive is shaped like a real one where it matters for performance:
//! a skewed cause distribution (some causes recur hundreds of times), cross
//! links of both kinds, drafts and internal incidents that must stay hidden,
//! ~600–1,200 words of Markdown per incident with a realistic vocabulary.
//!
//! With `--git-commits C` the directory also becomes a git repository of about
//! C commits (built with `git fast-import`, which is fast enough for tens of
//! thousands of commits), including renames, so the git-reading code paths
//! (created/updated dates, history that follows renames, redirects) get a
//! realistic load too.
//!
//! Only the standard library is used, so this builds as a cargo example
//! without adding dependencies to the project.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const USAGE: &str = "usage: gen_archive --out DIR --incidents N [--seed S (default 1)] [--git-commits C (default 0)]";

const DAY: i64 = 86_400;
const MINUTE: i64 = 60;

fn main() {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("gen_archive: {msg}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(msg) = run(&args) {
        eprintln!("gen_archive: {msg}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), String> {
    prepare_out_dir(&args.out)?;

    let started = Instant::now();
    let world = World::new(args.seed);
    let incidents = plan_incidents(args.incidents, args.seed, &world);
    let (files, bytes) = write_tree(&args.out, &incidents, &world)?;
    eprintln!(
        "gen_archive: wrote {files} files, {:.1} MiB to {} in {:.2}s",
        bytes as f64 / (1024.0 * 1024.0),
        args.out.display(),
        started.elapsed().as_secs_f64()
    );

    if args.git_commits > 0 {
        let started = Instant::now();
        let history = plan_history(&incidents, args.git_commits, args.seed);
        let stats = write_git_repo(&args.out, &history, &incidents, &world)?;
        eprintln!(
            "gen_archive: git: {} commits ({} renames), {:.1} MiB of history streamed, pack {:.1} MiB, in {:.2}s",
            stats.commits,
            stats.renames,
            stats.stream_bytes as f64 / (1024.0 * 1024.0),
            stats.pack_bytes as f64 / (1024.0 * 1024.0),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

struct Args {
    out: PathBuf,
    incidents: usize,
    seed: u64,
    git_commits: usize,
}

impl Args {
    /// Hand-rolled parsing: the generator uses the standard library only.
    /// Accepts both `--flag value` and `--flag=value`.
    fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
        let (mut out, mut incidents, mut seed, mut git_commits) = (None, None, 1u64, 0usize);
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            if flag == "-h" || flag == "--help" {
                println!("{USAGE}");
                std::process::exit(0);
            }
            let mut value = || inline.clone().or_else(|| it.next()).ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--out" => out = Some(PathBuf::from(value()?)),
                "--incidents" => incidents = Some(parse_num(&flag, &value()?)?),
                "--seed" => seed = parse_num(&flag, &value()?)?,
                "--git-commits" => git_commits = parse_num(&flag, &value()?)?,
                _ => return Err(format!("unknown argument {arg:?}")),
            }
        }
        let out = out.ok_or("--out DIR is required")?;
        let incidents = incidents.ok_or("--incidents N is required")?;
        if incidents == 0 {
            return Err("--incidents must be at least 1".into());
        }
        Ok(Args { out, incidents, seed, git_commits })
    }
}

fn parse_num<T: std::str::FromStr>(flag: &str, s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("{flag}: {s:?} is not a non-negative integer"))
}

/// Refuses a non-empty directory rather than deleting it: `--out` pointing at
/// the wrong place must never cost anyone their files.
fn prepare_out_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if entries.next().is_some() {
            return Err(format!("{} is not empty; remove it first", dir.display()));
        }
    }
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

#[path = "synth/random.rs"]
mod random;
use random::{Rng, Zipf};

// ---------------------------------------------------------------------------
// Calendar (Howard Hinnant's civil-date algorithms; times are Unix seconds UTC)
// ---------------------------------------------------------------------------

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD`
fn fmt_date(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `HH:MM`
fn fmt_hm(t: i64) -> String {
    let s = t.rem_euclid(DAY);
    format!("{:02}:{:02}", s / 3600, s % 3600 / 60)
}

/// RFC 3339 in UTC: `2021-02-09T16:00:00Z`
fn fmt_rfc3339(t: i64) -> String {
    format!("{}T{}:{:02}Z", fmt_date(t), fmt_hm(t), t.rem_euclid(60))
}

fn year_of(t: i64) -> i64 {
    civil_from_days(t.div_euclid(DAY)).0
}

/// `2h 13m` for tables.
fn fmt_duration(secs: i64) -> String {
    let m = secs / MINUTE;
    match (m / 60, m % 60) {
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h {m:02}m"),
    }
}

/// Incidents are spread over 2012-01-01 .. 2026-10-31; commits may run a
/// little later (postmortems are written after the fact) but not past this.
fn first_day() -> i64 {
    days_from_civil(2012, 1, 1)
}
fn last_day() -> i64 {
    days_from_civil(2026, 10, 31)
}
fn history_end() -> i64 {
    days_from_civil(2026, 11, 20) * DAY
}

// ---------------------------------------------------------------------------
// Name pools and vocabulary
// ---------------------------------------------------------------------------

#[rustfmt::skip]
const SERVICES: &[&str] = &[
    "api-gateway", "auth-service", "billing", "payments-api", "checkout", "cart", "search",
    "search-indexer", "recommendations", "notifications", "email-delivery", "sms-gateway",
    "push-service", "user-profile", "accounts", "identity-provider", "sso", "cdn", "edge-proxy",
    "load-balancer", "dns", "object-storage", "block-storage", "postgres-primary",
    "postgres-replica", "mysql-cluster", "redis-cache", "memcached", "kafka", "rabbitmq",
    "scheduler", "batch-jobs", "etl-pipeline", "data-warehouse", "analytics", "metrics-pipeline",
    "logging", "tracing", "alerting", "status-page", "ci", "release-pipeline", "artifact-registry",
    "container-registry", "kubernetes-control-plane", "service-mesh", "secrets-manager",
    "config-service", "feature-flags", "web-frontend", "mobile-api", "admin-console",
    "support-portal", "webhooks", "public-api", "rate-limiter", "image-resizer", "video-transcoder",
    "backup-service", "vpn",
];

#[rustfmt::skip]
const TAGS: &[&str] = &[
    "release", "ci", "deploy", "config", "database", "network", "dns", "tls", "certificates",
    "capacity", "autoscaling", "cache", "queue", "storage", "backup", "restore", "migration",
    "schema", "kernel", "hardware", "cloud-provider", "third-party", "vendor", "security", "auth",
    "permissions", "rate-limiting", "ddos", "latency", "errors", "timeouts", "memory-leak", "cpu",
    "disk-full", "logging", "monitoring", "alerting", "on-call", "paging", "runbook", "rollback",
    "feature-flag", "canary", "load-balancing", "failover", "replication", "consistency",
    "data-loss", "data-corruption", "billing", "payments", "email", "mobile", "frontend", "api",
    "kubernetes", "containers", "terraform", "infrastructure-as-code", "cron", "batch", "etl",
    "search", "cdn", "edge", "bgp", "ipv6", "time-sync", "leap-second", "daylight-saving",
    "expired-credentials", "human-error", "process", "documentation", "communication",
    "customer-facing", "internal-tooling", "compliance", "cost", "observability",
];

/// Hand-written causes; the pool is topped up to 150 with generated
/// "<issue>-in-<area>" combinations (see `cause_pool`).
#[rustfmt::skip]
const NAMED_CAUSES: &[&str] = &[
    "missing-monitoring", "expired-tls-certificate", "config-change-without-review",
    "fix-not-backported", "ci-differs-from-install-docs", "untested-rollback",
    "insufficient-capacity", "retry-storm", "thundering-herd", "cache-stampede",
    "connection-pool-exhaustion", "disk-full", "memory-leak", "unbounded-queue-growth",
    "missing-rate-limit", "dns-ttl-too-long", "clock-skew", "leap-second-handling",
    "daylight-saving-bug", "schema-migration-locked-table", "long-running-transaction",
    "replication-lag", "split-brain", "failover-not-tested", "single-point-of-failure",
    "dependency-outage", "vendor-api-change", "expired-credentials", "secret-rotation-failure",
    "manual-change-in-production", "typo-in-command", "runbook-out-of-date", "alert-fatigue",
    "alert-routed-to-wrong-team", "missing-alert-threshold", "noisy-neighbour", "kernel-regression",
    "hardware-failure", "network-partition", "bgp-misconfiguration", "health-check-misconfigured",
    "feature-flag-misconfigured", "canary-too-small", "deploy-during-peak", "incomplete-rollout",
    "version-skew", "backward-incompatible-api", "missing-input-validation", "integer-overflow",
    "timezone-assumption", "race-condition", "deadlock", "unhandled-exception", "log-volume-spike",
    "cost-control-kill-switch", "quota-exceeded", "rate-limit-too-strict", "permission-change",
    "access-review-gap", "backup-not-restorable",
];
#[rustfmt::skip]
const CAUSE_ISSUES: &[&str] = &[
    "timeout-too-short", "stale-cache", "config-drift", "missing-retry-backoff", "capacity-limit",
    "unpinned-dependency", "health-check-gap", "silent-failure",
];
#[rustfmt::skip]
const CAUSE_AREAS: &[&str] = &[
    "dns", "database", "queue", "cdn", "auth", "storage", "scheduler", "search-index",
    "api-gateway", "payments", "build-system", "object-store",
];

#[rustfmt::skip]
const KINDS: &[&str] = &[
    "outage", "degradation", "security", "data-loss", "near-miss",
];
const KIND_WEIGHTS: &[u32] = &[35, 40, 7, 5, 13];
const SEVERITIES: &[&str] = &["SEV1", "SEV2", "SEV3", "SEV4"];
const SEVERITY_WEIGHTS: &[u32] = &[5, 20, 40, 35];
#[rustfmt::skip]
const DETECTIONS: &[&str] = &[
    "monitoring", "customer-report", "community-report", "synthetic-check", "on-call-engineer",
    "support-ticket", "automated-test", "security-scanner",
];
const DETECTION_WEIGHTS: &[u32] = &[45, 15, 5, 12, 10, 8, 3, 2];
#[rustfmt::skip]
const TEAMS: &[&str] = &[
    "sre", "platform-team", "payments-team", "release-team", "data-team", "security-team",
    "network-team", "frontend-team", "mobile-team", "support", "identity-team", "storage-team",
];
const ITEM_TYPES: &[&str] = &["detect", "mitigate", "prevent", "process"];
const ITEM_STATUSES: &[&str] = &["open", "in-progress", "done", "wont-do"];
#[rustfmt::skip]
const REGIONS: &[&str] = &[
    "eu-west-1", "us-east-1", "us-west-2", "ap-south-1", "eu-central-1",
];
#[rustfmt::skip]
const OPS_EVENTS: &[&str] = &[
    "a routine deploy", "a database failover", "a certificate rotation", "a schema migration",
    "the evening traffic peak", "a config push", "a maintenance window", "a kernel upgrade",
    "a dependency upgrade", "a region evacuation", "a load test", "a marketing campaign",
];
#[rustfmt::skip]
const CODE_TOKENS: &[&str] = &[
    "max_connections", "kubectl rollout undo", "ttl=86400", "retry_budget", "SELECT ... FOR UPDATE",
    "pool_size", "--max-surge", "ulimit -n", "vm.overcommit_memory", "ntpd", "client_timeout_ms",
    "replica_lag_seconds", "/healthz", "OOMKilled", "ETIMEDOUT", "503 Service Unavailable",
    "ERR max number of clients reached", "fsync", "SIGKILL", "work_mem",
];
#[rustfmt::skip]
const AUTHORS: &[&str] = &[
    "Alice Moreau", "Bilal Haddad", "Chen Wei", "Dana Kowalski", "Emeka Obi", "Fatima Zahra",
    "Gustavo Lima", "Hana Sato", "Ivan Petrov", "Jonas Berg", "Kavya Iyer", "Liam O'Brien",
    "Maria Rossi", "Nils Andersson", "Olga Ivanova", "Priya Nair", "Quentin Dubois",
    "Rosa Martinez", "Samuel Okafor", "Tereza Novak",
];

/// Common English words: every real postmortem is mostly these, and a search
/// index must cope with them (stop words, very long posting lists).
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &[
    "the", "a", "and", "of", "to", "in", "was", "we", "that", "for", "on", "it", "with", "as",
    "this", "were", "by", "after", "from", "at", "which", "when", "not", "our", "had", "be", "but",
    "an", "is", "all", "because", "during", "before", "then", "so", "more", "than", "into", "its",
    "they", "their", "been", "has", "have", "also", "only", "each", "every", "until", "about",
    "over", "while", "again", "some", "these", "those", "are", "or", "no", "could",
];

#[rustfmt::skip]
const OPS_WORDS: &[&str] = &[
    "outage", "latency", "rollback", "deploy", "deployment", "config", "cluster", "node", "replica",
    "primary", "failover", "alert", "pager", "on-call", "dashboard", "metric", "threshold",
    "timeout", "retry", "queue", "backlog", "throughput", "capacity", "cache", "eviction", "shard",
    "partition", "leader", "election", "quorum", "certificate", "expiry", "rotation", "credential",
    "token", "session", "request", "response", "error", "exception", "stacktrace", "heap",
    "garbage", "collector", "thread", "pool", "connection", "socket", "handshake", "packet",
    "route", "gateway", "proxy", "balancer", "upstream", "downstream", "dependency", "vendor",
    "region", "zone", "datacenter", "rack", "host", "container", "pod", "kubelet", "scheduler",
    "cron", "job", "batch", "pipeline", "migration", "schema", "index", "query", "transaction",
    "lock", "deadlock", "replication", "lag", "snapshot", "backup", "restore", "disk", "volume",
    "inode", "memory", "cpu", "saturation", "spike", "regression", "canary", "rollout", "flag",
    "toggle", "release", "hotfix", "patch", "runbook", "escalation", "incident", "commander",
    "postmortem", "mitigation", "remediation", "customer", "support", "ticket", "status", "page",
    "traffic", "peak", "burst", "quota", "limit", "throttle", "backoff", "jitter", "idempotent",
    "checksum", "corruption", "consistency", "percentile", "p99", "slo", "sli", "budget", "burn",
    "synthetic", "probe", "healthcheck", "endpoint", "api", "client", "sdk", "webhook", "callback",
    "payload", "serialization", "encoding", "utf-8", "timezone", "clock", "ntp", "resolver", "ttl",
    "record", "bgp", "peering", "firewall", "acl", "permission", "iam", "role", "policy", "secret",
    "vault", "kms", "encryption", "tls", "cipher", "kernel", "driver", "firmware", "hardware",
    "nic", "ssd", "raid", "terraform", "ansible", "helm", "kubernetes", "docker", "nginx", "envoy",
    "haproxy", "postgres", "mysql", "redis", "kafka", "rabbitmq", "elasticsearch", "bucket",
    "object", "blob", "log", "trace", "span", "sampling", "cardinality", "failed", "degraded",
    "restarted", "paged", "escalated", "mitigated", "resolved", "detected", "investigated",
    "rolled", "drained", "scaled", "throttled", "exhausted", "saturated", "misconfigured",
    "expired", "stale", "intermittent",
];

/// Everything shared by all incidents: pools, their skewed samplers and the
/// vocabulary.
struct World {
    causes: Vec<String>,
    cause_zipf: Zipf,
    service_zipf: Zipf,
    tag_zipf: Zipf,
    vocab: Vocab,
}

impl World {
    fn new(seed: u64) -> World {
        let causes = cause_pool(150);
        World {
            cause_zipf: Zipf::new(causes.len(), 0.9),
            causes,
            service_zipf: Zipf::new(SERVICES.len(), 0.8),
            tag_zipf: Zipf::new(TAGS.len(), 0.9),
            vocab: Vocab::new(&mut Rng::derive(seed, 0xC0DE), 2000),
        }
    }
}

/// Named causes first (they get the top Zipf ranks and recur most), then
/// generated combinations up to `size`.
fn cause_pool(size: usize) -> Vec<String> {
    let combos = CAUSE_ISSUES.iter().flat_map(|issue| CAUSE_AREAS.iter().map(move |area| format!("{issue}-in-{area}")));
    NAMED_CAUSES.iter().map(ToString::to_string).chain(combos).take(size).collect()
}

/// `missing-monitoring` -> `Missing Monitoring`: the same cause as a user
/// might type it, which must fold into the same slug.
fn title_case(slug: &str) -> String {
    slug.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// Word list ranked for a Zipf draw: function words on top, then pseudo-words
/// with real ops words mixed in, so the text has a long tail of rare terms
/// like real prose but still contains searchable ops vocabulary.
struct Vocab {
    words: Vec<String>,
    zipf: Zipf,
}

impl Vocab {
    fn new(rng: &mut Rng, pseudo_count: usize) -> Vocab {
        let mut seen: HashSet<String> = HashSet::new();
        let mut words: Vec<String> = Vec::new();
        for w in FUNCTION_WORDS {
            if seen.insert(w.to_string()) {
                words.push(w.to_string());
            }
        }
        let pseudo = pseudo_words(rng, pseudo_count, &mut seen);
        let mut ops = OPS_WORDS.iter().filter(|w| seen.insert(w.to_string()));
        for (i, p) in pseudo.into_iter().enumerate() {
            if i % 4 == 0 {
                if let Some(op) = ops.next() {
                    words.push(op.to_string());
                }
            }
            words.push(p);
        }
        words.extend(ops.map(ToString::to_string));
        let zipf = Zipf::new(words.len(), 1.0);
        Vocab { words, zipf }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        &self.words[self.zipf.sample(rng)]
    }

    /// Lower-case words without final punctuation, for splicing into templates.
    fn fragment(&self, rng: &mut Rng, min: i64, max: i64) -> String {
        let n = rng.range(min, max);
        (0..n).map(|_| self.word(rng)).collect::<Vec<_>>().join(" ")
    }

    fn sentence(&self, rng: &mut Rng, min: i64, max: i64) -> String {
        format!("{}.", capitalize(&self.fragment(rng, min, max)))
    }

    /// Sentences until about `words` words; services of the incident appear
    /// now and then so service names are searchable in the body too.
    fn paragraph(&self, rng: &mut Rng, words: usize, services: &[&str]) -> String {
        let mut out = String::new();
        let mut count = 0;
        let words = words.max(8);
        while count < words {
            // The last sentence is cut to what is left of the budget.
            let n = rng.range(8, 20).min((words - count).max(5) as i64);
            let mut s = self.fragment(rng, n, n);
            if rng.chance(0.25) && !services.is_empty() {
                s = format!("{s} on {}", rng.pick(services));
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&capitalize(&s));
            out.push('.');
            count += n as usize;
        }
        out
    }
}

/// Pronounceable pseudo-words ("travolen", "skeamist") from syllables.
fn pseudo_words(rng: &mut Rng, count: usize, seen: &mut HashSet<String>) -> Vec<String> {
    #[rustfmt::skip]
    const ONSETS: &[&str] = &[
        "b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kl", "l", "m", "n",
        "p", "pl", "qu", "r", "s", "sh", "sk", "st", "t", "th", "tr", "v", "w", "z",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"];
    #[rustfmt::skip]
    const CODAS: &[&str] = &[
        "", "", "", "", "", "n", "r", "s", "l", "m", "nd", "st", "x", "k",
    ];
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let syllables = [1, 2, 2, 2, 3, 3][rng.below(6)];
        let mut w = String::new();
        for _ in 0..syllables {
            w.push_str(rng.pick(ONSETS));
            w.push_str(rng.pick(VOWELS));
            w.push_str(rng.pick(CODAS));
        }
        if w.len() >= 3 && seen.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Incidents: metadata
// ---------------------------------------------------------------------------

struct Incident {
    /// Final id, also the file stem.
    id: String,
    title: String,
    summary: String,
    /// Midnight of the day the incident began.
    date: i64,
    /// started, detected, mitigated, resolved (optional as a group).
    times: Option<[i64; 4]>,
    severity: usize,
    kind: usize,
    services: Vec<usize>,
    tags: Vec<usize>,
    causes: Vec<CauseRef>,
    related: Vec<usize>,
    impact: String,
    trigger: String,
    detection: usize,
    action_items: Vec<ActionItem>,
    draft: bool,
    internal: bool,
    /// Write `id:` / `status: published` / `visibility: public` although they
    /// equal the default: both forms occur in real archives.
    explicit_id: bool,
    explicit_status: bool,
    explicit_visibility: bool,
    alias: bool,
    /// Body link targets: `[[id]]` and a relative link to the `.md` file.
    wiki_link: Option<usize>,
    md_link: Option<usize>,
    /// Seed of the body text, so every git version of a file shares its prose.
    body_seed: u64,
}

struct CauseRef {
    index: usize,
    /// Spelled "Missing Monitoring" instead of the slug.
    title_case: bool,
}

#[derive(Clone)]
struct ActionItem {
    title: String,
    owner: usize,
    status: usize,
    kind: Option<usize>,
    due: i64,
    ticket: Option<u32>,
}

impl Incident {
    /// Neither draft nor internal: what a public build shows. Public
    /// incidents only ever point at other public ones.
    fn is_public(&self) -> bool {
        !self.draft && !self.internal
    }

    fn path(&self) -> String {
        format!("content/incidents/{}/{}.md", year_of(self.date), self.id)
    }

    /// When the postmortem could first have been written down.
    fn end_time(&self) -> i64 {
        self.times.map_or(self.date + DAY, |t| t[3])
    }

    fn service_names(&self) -> Vec<&'static str> {
        service_list(&self.services)
    }
}

/// Dates first (sorted, so ids increase with time like in a real archive),
/// then each incident from its own RNG stream, then the cross links, which
/// need to see every incident.
fn plan_incidents(n: usize, seed: u64, world: &World) -> Vec<Incident> {
    let mut rng = Rng::derive(seed, 0xDA7E);
    let mut days: Vec<i64> = (0..n).map(|_| random_day(&mut rng)).collect();
    days.sort_unstable();
    let width = n.to_string().len().max(5);
    let mut incidents: Vec<Incident> = days
        .iter()
        .enumerate()
        .map(|(i, &day)| {
            let mut r = Rng::derive(seed, i as u64 + 1);
            describe_incident(format!("inc-{:0width$}", i + 1), day, &mut r, world)
        })
        .collect();
    link_incidents(&mut incidents, &mut Rng::derive(seed, 0x11AC));
    incidents
}

/// More incidents in recent years (archives grow), density rising ~ t^(1/3).
fn random_day(rng: &mut Rng) -> i64 {
    let span = (last_day() - first_day()) as f64;
    first_day() + (span * rng.unit().powf(0.75)) as i64
}

fn describe_incident(id: String, day: i64, rng: &mut Rng, world: &World) -> Incident {
    let date = day * DAY;
    let visibility_roll = rng.unit();
    let kind = rng.weighted(KIND_WEIGHTS);
    let service_count = 1 + rng.weighted(&[50, 35, 15]);
    let services = world.service_zipf.sample_distinct(rng, service_count);
    let tag_count = 1 + rng.weighted(&[30, 35, 25, 10]);
    let tags = world.tag_zipf.sample_distinct(rng, tag_count);
    let cause_count = 1 + rng.weighted(&[45, 35, 20]);
    let causes = world
        .cause_zipf
        .sample_distinct(rng, cause_count)
        .into_iter()
        .map(|index| CauseRef { index, title_case: rng.chance(0.05) })
        .collect::<Vec<_>>();
    let times = rng.chance(0.97).then(|| incident_times(rng, date));
    let service = SERVICES[services[0]];
    let cause = world.causes[causes[0].index].replace('-', " ");
    let duration = times.map_or(3 * 3600, |t| t[3] - t[0]);
    Incident {
        title: incident_title(rng, kind, service, &cause),
        summary: format!(
            "{} was {} for {} on {} after {}. {}",
            capitalize(service),
            ["unavailable", "degraded", "returning errors", "slow"][rng.below(4)],
            fmt_duration(duration),
            fmt_date(date),
            rng.pick(OPS_EVENTS),
            world.vocab.sentence(rng, 10, 20)
        ),
        impact: format!(
            "{}% of requests to {service} failed; about {} customers were affected.",
            rng.range(1, 100),
            rng.range(10, 50_000)
        ),
        trigger: capitalize(&format!("{} on {service}", rng.pick(OPS_EVENTS))),
        detection: rng.weighted(DETECTION_WEIGHTS),
        action_items: action_items(rng, date, &service_list(&services), &cause),
        severity: rng.weighted(SEVERITY_WEIGHTS),
        draft: visibility_roll < 0.02,
        internal: (0.02..0.04).contains(&visibility_roll),
        explicit_id: rng.chance(0.10),
        explicit_status: rng.chance(0.30),
        explicit_visibility: rng.chance(0.20),
        alias: rng.chance(0.01),
        body_seed: rng.next_u64(),
        id,
        date,
        times,
        kind,
        services,
        tags,
        causes,
        related: Vec::new(),
        wiki_link: None,
        md_link: None,
    }
}

fn service_list(services: &[usize]) -> Vec<&'static str> {
    services.iter().map(|&s| SERVICES[s]).collect()
}

/// started <= detected <= mitigated <= resolved, minute resolution, with the
/// long tails real incidents have (most are detected in minutes, some in days).
fn incident_times(rng: &mut Rng, date: i64) -> [i64; 4] {
    let started = date + rng.range(0, 24 * 60 - 1) * MINUTE;
    let detected = started + minutes(rng, 25.0, 3 * 24 * 60);
    let mitigated = detected + minutes(rng, 90.0, 2 * 24 * 60);
    let resolved = mitigated + minutes(rng, 360.0, 5 * 24 * 60);
    [started, detected, mitigated, resolved]
}

fn minutes(rng: &mut Rng, mean: f64, cap: i64) -> i64 {
    (rng.exponential(mean) as i64).min(cap) * MINUTE
}

fn incident_title(rng: &mut Rng, kind: usize, service: &str, cause: &str) -> String {
    let service_cap = capitalize(service);
    match (KINDS[kind], rng.below(3)) {
        ("outage", 0) => format!("{service_cap} outage caused by {cause}"),
        ("outage", 1) => format!("Partial {service} outage in {}", rng.pick(REGIONS)),
        ("outage", _) => format!("{service_cap} unavailable during {}", rng.pick(OPS_EVENTS)),
        ("degradation", 0) => format!("Elevated error rates on {service}"),
        ("degradation", 1) => format!("{service_cap} latency degraded by {cause}"),
        ("degradation", _) => format!("Delayed {service} processing after {}", rng.pick(OPS_EVENTS)),
        ("security", _) => format!("Security: {cause} exposed {service}"),
        ("data-loss", _) => format!("Data loss in {service} after {}", rng.pick(OPS_EVENTS)),
        (_, _) => format!("Near miss: {cause} almost took down {service}"),
    }
}

fn action_items(rng: &mut Rng, date: i64, services: &[&str], cause: &str) -> Vec<ActionItem> {
    // Old incidents have mostly settled action items; recent ones are open.
    let old = last_day() * DAY - date > 2 * 365 * DAY;
    let status_weights: &[u32] = if old { &[10, 5, 70, 15] } else { &[35, 20, 35, 10] };
    let count = 1 + rng.weighted(&[25, 35, 25, 15]);
    (0..count)
        .map(|_| {
            let service = rng.pick(services);
            let title = match rng.below(8) {
                0 => format!("Add an alert on error rate for {service}"),
                1 => format!("Document the recovery steps for {service} in the runbook"),
                2 => format!("Add a canary stage to the {service} rollout"),
                3 => format!("Load test {service} at three times peak traffic"),
                4 => format!("Add an integration test for {cause}"),
                5 => format!("Review timeout and retry settings of {service}"),
                6 => format!("Automate the manual failover of {service}"),
                _ => format!("Add a rate limit in front of {service}"),
            };
            ActionItem {
                title,
                owner: rng.below(TEAMS.len()),
                status: rng.weighted(status_weights),
                kind: rng.chance(0.85).then(|| rng.below(ITEM_TYPES.len())),
                due: date + rng.range(14, 120) * DAY,
                ticket: rng.chance(0.5).then(|| rng.range(100, 9999) as u32),
            }
        })
        .collect()
}

/// Fills `related`, `wiki_link` and `md_link`. Targets preferably share the
/// incident's main cause (that is what "related" means to a reader); a public
/// incident never points at a draft or internal one.
fn link_incidents(incidents: &mut [Incident], rng: &mut Rng) {
    let mut by_cause: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, inc) in incidents.iter().enumerate() {
        by_cause.entry(inc.causes[0].index).or_default().push(i);
    }
    for i in 0..incidents.len() {
        let mut taken = vec![i];
        let related_count = rng.weighted(&[50, 35, 15]);
        let related: Vec<usize> =
            (0..related_count).filter_map(|_| pick_target(incidents, &by_cause, i, &mut taken, rng)).collect();
        let wiki = if rng.chance(0.20) { pick_target(incidents, &by_cause, i, &mut taken, rng) } else { None };
        let md = if rng.chance(0.10) { pick_target(incidents, &by_cause, i, &mut taken, rng) } else { None };
        let inc = &mut incidents[i];
        inc.related = related;
        inc.wiki_link = wiki;
        inc.md_link = md;
    }
}

fn pick_target(
    incidents: &[Incident],
    by_cause: &HashMap<usize, Vec<usize>>,
    from: usize,
    taken: &mut Vec<usize>,
    rng: &mut Rng,
) -> Option<usize> {
    let same_cause = &by_cause[&incidents[from].causes[0].index];
    for _ in 0..20 {
        let candidate = if rng.chance(0.7) { rng.pick(same_cause) } else { rng.below(incidents.len()) };
        let allowed = !incidents[from].is_public() || incidents[candidate].is_public();
        if allowed && !taken.contains(&candidate) {
            taken.push(candidate);
            return Some(candidate);
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Incidents: rendering
// ---------------------------------------------------------------------------

/// Which of a file's successive git versions to render. Only the last one
/// (`index == count - 1`) is the archive's final text; earlier ones are the
/// postmortem "being written": fewer body sections, action items less done.
#[derive(Clone, Copy)]
struct Stage {
    index: usize,
    count: usize,
}

impl Stage {
    const FINAL: Stage = Stage { index: 0, count: 1 };

    fn is_final(self) -> bool {
        self.index + 1 >= self.count
    }

    /// 0 for the final version, 1 for the one before, …
    fn steps_before_final(self) -> usize {
        self.count - 1 - self.index
    }
}

fn render(inc: &Incident, all: &[Incident], world: &World, stage: Stage) -> String {
    let items = staged_action_items(&inc.action_items, stage);
    let mut out = String::with_capacity(12_000);
    front_matter(&mut out, inc, all, world, &items);
    let sections = body_sections(inc, all, world, &items);
    let keep = if stage.is_final() {
        sections.len()
    } else {
        (sections.len() * (stage.index + 1)).div_ceil(stage.count).clamp(2, sections.len() - 1)
    };
    for section in &sections[..keep] {
        out.push_str(section);
    }
    if !stage.is_final() {
        out.push_str("_This postmortem is still being written._\n");
    }
    out
}

/// Earlier versions of a postmortem have their action items less far along.
fn staged_action_items(items: &[ActionItem], stage: Stage) -> Vec<ActionItem> {
    let back = stage.steps_before_final();
    items
        .iter()
        .map(|item| {
            let status = match (ITEM_STATUSES[item.status], back) {
                (_, 0) => item.status,
                ("done", 1) => 1,                             // in-progress
                ("in-progress" | "done" | "wont-do", _) => 0, // open
                _ => item.status,
            };
            ActionItem { status, ..item.clone() }
        })
        .collect()
}

fn front_matter(out: &mut String, inc: &Incident, all: &[Incident], world: &World, items: &[ActionItem]) {
    out.push_str("---\n");
    let _ = writeln!(out, "title: \"{}\"", inc.title);
    let _ = writeln!(out, "date: {}", fmt_date(inc.date));
    if inc.explicit_id {
        let _ = writeln!(out, "id: {}", inc.id);
    }
    let _ = writeln!(out, "summary: \"{}\"", inc.summary);
    let _ = writeln!(out, "severity: {}", SEVERITIES[inc.severity]);
    if inc.draft {
        out.push_str("status: draft\n");
    } else if inc.explicit_status {
        out.push_str("status: published\n");
    }
    if inc.internal {
        out.push_str("visibility: internal\n");
    } else if inc.explicit_visibility {
        out.push_str("visibility: public\n");
    }
    let _ = writeln!(out, "kind: {}", KINDS[inc.kind]);
    let _ = writeln!(out, "services: [{}]", inc.service_names().join(", "));
    let tags: Vec<&str> = inc.tags.iter().map(|&t| TAGS[t]).collect();
    let _ = writeln!(out, "tags: [{}]", tags.join(", "));
    let causes: Vec<String> = inc
        .causes
        .iter()
        .map(|c| {
            let slug = &world.causes[c.index];
            if c.title_case {
                format!("\"{}\"", title_case(slug))
            } else {
                slug.clone()
            }
        })
        .collect();
    let _ = writeln!(out, "causes: [{}]", causes.join(", "));
    if !inc.related.is_empty() {
        let ids: Vec<&str> = inc.related.iter().map(|&r| all[r].id.as_str()).collect();
        let _ = writeln!(out, "related: [{}]", ids.join(", "));
    }
    if let Some(times) = inc.times {
        for (name, t) in ["started", "detected", "mitigated", "resolved"].iter().zip(times) {
            let _ = writeln!(out, "{name}: {}", fmt_rfc3339(t));
        }
    }
    let _ = writeln!(out, "impact: \"{}\"", inc.impact);
    let _ = writeln!(out, "trigger: \"{}\"", inc.trigger);
    let _ = writeln!(out, "detection: {}", DETECTIONS[inc.detection]);
    out.push_str("action_items:\n");
    for item in items {
        let _ = writeln!(out, "  - title: \"{}\"", item.title);
        let _ = writeln!(out, "    owner: {}", TEAMS[item.owner]);
        let _ = writeln!(out, "    status: {}", ITEM_STATUSES[item.status]);
        if let Some(kind) = item.kind {
            let _ = writeln!(out, "    type: {}", ITEM_TYPES[kind]);
        }
        let _ = writeln!(out, "    due: {}", fmt_date(item.due));
        if let Some(ticket) = item.ticket {
            let _ = writeln!(out, "    link: https://tracker.example.com/browse/OPS-{ticket}");
        }
    }
    if inc.alias {
        let _ = writeln!(out, "aliases: [/postmortems/{}/{}/]", year_of(inc.date), inc.id);
    }
    out.push_str("---\n\n");
}

/// The body as separate sections so earlier git versions can be prefixes of
/// it. The RNG is seeded per incident and drawn in a fixed order, so every
/// version shares the same prose.
fn body_sections(inc: &Incident, all: &[Incident], world: &World, items: &[ActionItem]) -> Vec<String> {
    let mut rng = Rng::new(inc.body_seed);
    let target_words = rng.range(600, 1200) as usize;
    let services = inc.service_names();
    let ctx = BodyCtx { inc, all, world, services: &services };
    // Fixed-shape parts first, so the prose can fill what they leave of the
    // target (60 words: headings, lead-ins and link sentences).
    let table = ctx.impact_table(&mut rng);
    let timeline = ctx.timeline(&mut rng);
    let code = ctx.code_block(&mut rng);
    let whys = ctx.five_whys(&mut rng);
    let action_items = action_item_list(items);
    let fixed: usize = [&table, &timeline, &code, &whys, &action_items].iter().map(|s| word_count(s)).sum();
    let prose = target_words.saturating_sub(fixed + 60).max(100);
    vec![
        ctx.summary(&mut rng, prose * 12 / 100),
        ctx.impact(&mut rng, prose * 12 / 100, &table),
        timeline,
        ctx.root_cause(&mut rng, prose * 46 / 100, &code),
        whys,
        action_items,
        ctx.lessons(&mut rng, prose * 30 / 100),
    ]
}

fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

struct BodyCtx<'a> {
    inc: &'a Incident,
    all: &'a [Incident],
    world: &'a World,
    services: &'a [&'static str],
}

impl BodyCtx<'_> {
    fn para(&self, rng: &mut Rng, words: usize) -> String {
        self.world.vocab.paragraph(rng, words, self.services)
    }

    fn main_cause(&self) -> String {
        self.world.causes[self.inc.causes[0].index].replace('-', " ")
    }

    fn summary(&self, rng: &mut Rng, words: usize) -> String {
        format!("## Summary\n\n**{}.** {}\n\n", self.inc.title, self.para(rng, words))
    }

    fn impact(&self, rng: &mut Rng, words: usize, table: &str) -> String {
        format!("## Impact\n\n**Customer impact:** {}\n\n{table}", self.para(rng, words))
    }

    fn impact_table(&self, rng: &mut Rng) -> String {
        let duration = self.inc.times.map_or(3 * 3600, |t| t[3] - t[0]);
        format!(
            "| Metric | Value |\n| --- | --- |\n\
             | Peak error rate | {}% |\n| Failed requests | {} |\n\
             | Customers affected | {} |\n| Duration | {} |\n\n",
            rng.range(1, 100),
            rng.range(100, 5_000_000),
            rng.range(10, 50_000),
            fmt_duration(duration)
        )
    }

    /// List items start with `YYYY-MM-DD HH:MM UTC —`, so the site can draw
    /// them as a visual timeline (SPEC §1).
    fn timeline(&self, rng: &mut Rng) -> String {
        let [started, detected, mitigated, resolved] = self.inc.times.unwrap_or([
            self.inc.date + 9 * 3600,
            self.inc.date + 10 * 3600,
            self.inc.date + 11 * 3600,
            self.inc.date + 12 * 3600,
        ]);
        let service = self.services[0];
        let mut entries = vec![
            (started, format!("First errors on {service}; {}.", self.world.vocab.fragment(rng, 4, 10))),
            (detected, format!("Alert from {} reached the on-call engineer.", DETECTIONS[self.inc.detection])),
        ];
        let extra = rng.range(2, 8);
        let mut middle: Vec<i64> = (0..extra).map(|_| rng.range(detected, mitigated.max(detected))).collect();
        middle.sort_unstable();
        for t in middle {
            let text = match rng.below(5) {
                0 => "Incident declared and an incident commander assigned.".to_string(),
                1 => format!("Rollback of {service} started."),
                2 => format!("Status page updated: {}.", self.world.vocab.fragment(rng, 4, 9)),
                3 => format!("Traffic drained from {}.", rng.pick(REGIONS)),
                _ => capitalize(&format!("{}.", self.world.vocab.fragment(rng, 6, 14))),
            };
            entries.push((t, text));
        }
        entries.push((mitigated, "Mitigation in place; error rates back to normal.".to_string()));
        entries.push((resolved, "Incident resolved.".to_string()));
        let mut out = String::from("## Timeline\n\n");
        for (t, text) in entries {
            let _ = writeln!(out, "- {} {} UTC — {text}", fmt_date(t), fmt_hm(t));
        }
        out.push('\n');
        out
    }

    fn root_cause(&self, rng: &mut Rng, words: usize, code: &str) -> String {
        let mut out =
            format!("## Root cause\n\nThe root cause was **{}**. {}\n\n", self.main_cause(), self.para(rng, words / 3));
        let _ = write!(
            out,
            "The logs showed `{}` on {} while {}. ",
            rng.pick(CODE_TOKENS),
            self.services[0],
            self.world.vocab.fragment(rng, 5, 12)
        );
        if let Some(target) = self.inc.wiki_link {
            let _ = write!(out, "This looked a lot like [[{}]], which had the same trigger. ", self.all[target].id);
        }
        let _ = write!(out, "{}\n\n", self.para(rng, words / 3));
        out.push_str(code);
        let _ = write!(out, "{}\n\n", self.para(rng, words / 3));
        out
    }

    fn code_block(&self, rng: &mut Rng) -> String {
        let service = self.services[0];
        let t = self.inc.times.map_or(self.inc.date, |t| t[0]);
        match rng.below(3) {
            0 => {
                let mut out = String::from("```text\n");
                for k in 0..rng.range(3, 6) {
                    let level = ["ERROR", "WARN", "ERROR", "INFO"][rng.below(4)];
                    let msg = self.world.vocab.fragment(rng, 3, 8);
                    let _ = writeln!(out, "{} {level} {service} {msg}", fmt_rfc3339(t + k * 17));
                }
                out + "```\n\n"
            }
            1 => format!(
                "```yaml\n{service}:\n  timeout_ms: {}\n  max_connections: {}\n  retries: {}\n```\n\n",
                rng.range(50, 30_000),
                rng.range(10, 2000),
                rng.range(0, 5)
            ),
            _ => format!(
                "```sh\nkubectl -n {service} rollout undo deployment/{service}\nkubectl -n {service} scale deployment/{service} --replicas={}\n```\n\n",
                rng.range(2, 40)
            ),
        }
    }

    fn five_whys(&self, rng: &mut Rng) -> String {
        let mut out = String::from("## Five whys\n\n");
        let mut subject = format!("{} fail", self.services[0]);
        for k in 1..=5 {
            let because = self.world.vocab.fragment(rng, 8, 15);
            let _ = writeln!(out, "{k}. Why did {subject}? Because {because}.");
            subject = format!("the {}", self.world.vocab.fragment(rng, 2, 4));
        }
        out.push('\n');
        out
    }

    fn lessons(&self, rng: &mut Rng, words: usize) -> String {
        let mut out = format!("## Lessons learned\n\n{}\n\n", self.para(rng, words / 2));
        if let Some(target) = self.inc.md_link {
            let target = &self.all[target];
            let _ = write!(
                out,
                "See [the earlier review of {}]({}) for background. ",
                target.service_names()[0],
                relative_link(self.inc, target)
            );
        }
        let _ = write!(out, "{}\n\n", self.para(rng, words / 2));
        out
    }
}

/// A task list mirroring the front matter (`[x]` for done).
fn action_item_list(items: &[ActionItem]) -> String {
    let mut out = String::from("## Action items\n\n");
    for item in items {
        let status = ITEM_STATUSES[item.status];
        let check = if status == "done" { "x" } else { " " };
        let title = if status == "wont-do" { format!("~~{}~~", item.title) } else { item.title.clone() };
        let _ =
            writeln!(out, "- [{check}] {title} (owner `{}`, {status}, due {})", TEAMS[item.owner], fmt_date(item.due));
    }
    out.push('\n');
    out
}

/// Path of `to`'s file relative to the folder of `from`'s file.
fn relative_link(from: &Incident, to: &Incident) -> String {
    let (from_year, to_year) = (year_of(from.date), year_of(to.date));
    if from_year == to_year {
        format!("{}.md", to.id)
    } else {
        format!("../{to_year}/{}.md", to.id)
    }
}

fn site_config() -> String {
    "title = \"Example Corp incident archive\"\n\
     base_url = \"https://incidents.example.com\"\n\
     description = \"Synthetic postmortems generated by examples/gen_archive.rs\"\n"
        .to_string()
}

/// Writes the final archive; returns (files, bytes).
fn write_tree(dir: &Path, incidents: &[Incident], world: &World) -> Result<(usize, u64), String> {
    let config = site_config();
    write_file(&dir.join("rca-site.toml"), &config)?;
    let mut bytes = config.len() as u64;
    let mut made: HashSet<i64> = HashSet::new();
    for inc in incidents {
        let year = year_of(inc.date);
        if made.insert(year) {
            let folder = dir.join(format!("content/incidents/{year}"));
            fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        }
        let text = render(inc, incidents, world, Stage::FINAL);
        bytes += text.len() as u64;
        write_file(&dir.join(inc.path()), &text)?;
    }
    Ok((incidents.len() + 1, bytes))
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// Git history
// ---------------------------------------------------------------------------

/// One change to one file in a commit.
struct Change {
    incident: usize,
    stage: Stage,
    path: String,
    /// Set on a rename: the path the file had before.
    renamed_from: Option<String>,
}

struct PlannedCommit {
    time: i64,
    author: usize,
    message: String,
    changes: Vec<Change>,
}

/// A change at a point in time, before changes are grouped into commits.
struct Event {
    time: i64,
    change: Change,
    message: String,
}

/// Plans about `target` commits ending in exactly the archive written by
/// `write_tree`: every file is added once (at its final path, or at an older
/// path and renamed later), edited a few times, and its last change writes
/// the final text. Commit times follow the incidents: a postmortem is added
/// days after the incident and edited over the following weeks.
fn plan_history(incidents: &[Incident], target: usize, seed: u64) -> Vec<PlannedCommit> {
    let mut rng = Rng::derive(seed, 0x6175);
    let n = incidents.len();
    // Renamed files lose their stem-derived id, so only files without an
    // explicit `id:` are renamed (the old URL must then redirect).
    let mut eligible: Vec<usize> = (0..n).filter(|&i| !incidents[i].explicit_id).collect();
    let renames = ((target as f64 * 0.03).round() as usize).min(eligible.len());
    let sizes = commit_sizes(&mut rng, target.saturating_sub(1 + renames).max(1), n);
    let mut writes = vec![1usize; n];
    for _ in 0..(sizes.iter().sum::<usize>() - n) {
        writes[rng.below(n)] += 1;
    }
    shuffle(&mut eligible, &mut rng);
    let old_paths = old_paths(incidents, &eligible[..renames]);

    let mut events: Vec<Event> = Vec::new();
    for (i, inc) in incidents.iter().enumerate() {
        file_events(&mut events, &mut rng, inc, i, writes[i], old_paths.get(&i));
    }
    // Stable sort: a file's own events keep their order even at equal times.
    events.sort_by_key(|e| e.time);

    let mut commits = vec![PlannedCommit {
        time: events.first().map_or(history_end(), |e| e.time) - 7 * DAY,
        author: 0,
        message: "Start the incident archive\n".to_string(),
        changes: Vec::new(),
    }];
    let mut sizes = sizes.into_iter();
    let mut events = events.into_iter().peekable();
    while events.peek().is_some() {
        let chunk = next_chunk(&mut events, &mut sizes);
        let time = chunk.last().map(|e| e.time).unwrap().max(commits.last().unwrap().time + MINUTE);
        commits.push(PlannedCommit {
            time,
            author: 0,
            message: commit_message(&chunk),
            changes: chunk.into_iter().map(|e| e.change).collect(),
        });
    }
    // A few people write most postmortems.
    let authors = Zipf::new(AUTHORS.len(), 0.7);
    for c in &mut commits {
        c.author = authors.sample(&mut rng);
    }
    commits
}

/// How many files each commit touches: 1–3 (mean ~1.8), raised where needed
/// so that every incident can be added; more than 3 only if `commits` is too
/// small to add all `files` otherwise.
fn commit_sizes(rng: &mut Rng, commits: usize, files: usize) -> Vec<usize> {
    let floor = files.div_ceil(commits);
    if floor > 3 {
        return vec![floor; commits];
    }
    let mut sizes: Vec<usize> = (0..commits).map(|_| 1 + rng.weighted(&[45, 30, 25])).collect();
    let mut total: usize = sizes.iter().sum();
    while total < files {
        let k = rng.below(commits);
        if sizes[k] < 3 {
            sizes[k] += 1;
            total += 1;
        }
    }
    sizes
}

fn shuffle<T>(xs: &mut [T], rng: &mut Rng) {
    for i in (1..xs.len()).rev() {
        xs.swap(i, rng.below(i + 1));
    }
}

/// Where a renamed incident lived before: a date-and-title stem, as people
/// name files before an archive adopts numbered ids.
fn old_paths(incidents: &[Incident], renamed: &[usize]) -> HashMap<usize, String> {
    let mut used = HashSet::new();
    let mut out = HashMap::new();
    for &i in renamed {
        let inc = &incidents[i];
        let words: String = inc
            .title
            .to_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(5)
            .collect::<Vec<_>>()
            .join("-");
        let base = format!("{}-{words}", fmt_date(inc.date));
        let mut stem = base.clone();
        let mut k = 2;
        while !used.insert(stem.clone()) {
            stem = format!("{base}-{k}");
            k += 1;
        }
        out.insert(i, format!("content/incidents/{}/{stem}.md", year_of(inc.date)));
    }
    out
}

/// The events of one file: `writes` versions (the last one final) and, for a
/// renamed file, one rename after at least one write.
fn file_events(
    events: &mut Vec<Event>,
    rng: &mut Rng,
    inc: &Incident,
    index: usize,
    writes: usize,
    old_path: Option<&String>,
) {
    // The rename comes after at least one write: the file must exist first.
    let rename_at = old_path.map(|_| 1 + rng.below(writes));
    let times = event_times(rng, inc.end_time(), writes + usize::from(old_path.is_some()));
    let final_path = inc.path();
    let mut version = 0;
    for (k, time) in times.into_iter().enumerate() {
        let event = match old_path {
            Some(old) if rename_at == Some(k) => Event {
                time,
                message: format!("Rename {} to {}", stem_of(old), inc.id),
                // Same text as the write before it: a pure rename.
                change: Change {
                    incident: index,
                    stage: Stage { index: version - 1, count: writes },
                    path: final_path.clone(),
                    renamed_from: Some(old.clone()),
                },
            },
            _ => {
                let path = match (old_path, rename_at) {
                    (Some(old), Some(r)) if k < r => old.clone(),
                    _ => final_path.clone(),
                };
                let message = if version == 0 {
                    format!("Add postmortem {}: {}", stem_of(&path), inc.title)
                } else {
                    edit_message(rng, stem_of(&path))
                };
                let stage = Stage { index: version, count: writes };
                version += 1;
                Event { time, message, change: Change { incident: index, stage, path, renamed_from: None } }
            }
        };
        events.push(event);
    }
}

fn stem_of(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name)
}

fn edit_message(rng: &mut Rng, stem: &str) -> String {
    let what = [
        "Fill in the timeline of",
        "Add root cause to",
        "Add five whys to",
        "Update action item status in",
        "Fix typos in",
        "Address review comments on",
        "Add impact numbers to",
    ];
    format!("{} {stem}", rng.pick(&what))
}

/// `count` strictly increasing times: the first a few days after the
/// incident ended, then gaps of hours to weeks (now and then months), all
/// squeezed to end before `history_end()`.
fn event_times(rng: &mut Rng, incident_end: i64, count: usize) -> Vec<i64> {
    let first = incident_end + rng.range(DAY, 14 * DAY) + rng.range(0, 24 * 60) * MINUTE;
    let mut times = vec![first];
    for _ in 1..count {
        let gap = if rng.chance(0.05) {
            rng.range(30, 700) * DAY
        } else {
            (rng.exponential(4.0 * 24.0 * 60.0) as i64 + 30) * MINUTE
        };
        times.push(times.last().unwrap() + gap);
    }
    // Each file gets its own cut-off so squeezed files do not all end on the
    // same day; never before the first write, which must follow the incident.
    let end = (history_end() - rng.range(0, 20 * DAY)).max(first);
    let last = *times.last().unwrap();
    if last > end {
        let scale = (end - first) as f64 / (last - first) as f64;
        for t in &mut times {
            *t = first + ((*t - first) as f64 * scale) as i64;
        }
    }
    for k in 1..times.len() {
        times[k] = times[k].max(times[k - 1] + MINUTE);
    }
    times
}

/// The next commit's events: up to the next planned size, cut short so that
/// a commit never touches one file twice; a rename is always a commit of its
/// own (that is how people do them, and it keeps rename detection exact).
fn next_chunk(
    events: &mut std::iter::Peekable<std::vec::IntoIter<Event>>,
    sizes: &mut impl Iterator<Item = usize>,
) -> Vec<Event> {
    let first = events.next().unwrap();
    if first.change.renamed_from.is_some() {
        return vec![first];
    }
    let size = sizes.next().unwrap_or(3);
    let mut chunk = vec![first];
    while chunk.len() < size {
        match events.peek() {
            Some(e)
                if e.change.renamed_from.is_none() && chunk.iter().all(|c| c.change.incident != e.change.incident) =>
            {
                chunk.push(events.next().unwrap());
            }
            _ => break,
        }
    }
    chunk
}

fn commit_message(chunk: &[Event]) -> String {
    if let [only] = chunk {
        return format!("{}\n", only.message);
    }
    let all_adds = chunk.iter().all(|e| e.message.starts_with("Add postmortem"));
    let verb = if all_adds { "Add" } else { "Update" };
    let mut msg = format!("{verb} {} postmortems\n\n", chunk.len());
    for e in chunk {
        let _ = writeln!(msg, "- {}", e.message);
    }
    msg
}

struct GitStats {
    commits: usize,
    renames: usize,
    stream_bytes: u64,
    pack_bytes: u64,
}

/// Makes `dir` a git repository holding `history`, via `git fast-import`
/// (one process, no per-commit forks: ~15,000 commits take seconds). The
/// working tree was already written by `write_tree`; the index is then reset
/// to HEAD and `git status` must be clean, which proves the last commit's
/// tree is exactly the generated archive.
fn write_git_repo(
    dir: &Path,
    history: &[PlannedCommit],
    incidents: &[Incident],
    world: &World,
) -> Result<GitStats, String> {
    git(dir, &["init", "-q", "-b", "main"])?;
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git fast-import: {e}"))?;
    let stdin = child.stdin.take().expect("piped stdin");
    let mut stream = CountingWriter { inner: BufWriter::with_capacity(1 << 20, stdin), bytes: 0 };
    let written = fast_import_stream(&mut stream, history, incidents, world);
    let stream_bytes = stream.bytes;
    drop(stream); // close stdin so fast-import finishes
    let status = child.wait().map_err(|e| format!("git fast-import: {e}"))?;
    written.map_err(|e| format!("writing to git fast-import: {e}"))?;
    if !status.success() {
        return Err(format!("git fast-import failed: {status}"));
    }
    git(dir, &["reset", "-q"])?;
    let dirty = git(dir, &["status", "--porcelain"])?;
    if !dirty.trim().is_empty() {
        let first: Vec<&str> = dirty.lines().take(5).collect();
        return Err(format!("final commit differs from the generated tree:\n{}", first.join("\n")));
    }
    Ok(GitStats {
        commits: history.len(),
        renames: history.iter().flat_map(|c| &c.changes).filter(|c| c.renamed_from.is_some()).count(),
        stream_bytes,
        pack_bytes: dir_size(&dir.join(".git/objects/pack")),
    })
}

fn fast_import_stream(
    out: &mut impl Write,
    history: &[PlannedCommit],
    incidents: &[Incident],
    world: &World,
) -> std::io::Result<()> {
    writeln!(out, "feature done")?;
    for (k, commit) in history.iter().enumerate() {
        let author = AUTHORS[commit.author];
        let email = author.to_lowercase().replace(['\'', ' '], ".");
        writeln!(out, "commit refs/heads/main")?;
        writeln!(out, "author {author} <{email}@example.com> {} +0000", commit.time)?;
        writeln!(out, "committer {author} <{email}@example.com> {} +0000", commit.time)?;
        data(out, commit.message.as_bytes())?;
        if k == 0 {
            writeln!(out, "M 100644 inline rca-site.toml")?;
            data(out, site_config().as_bytes())?;
        }
        for change in &commit.changes {
            if let Some(old) = &change.renamed_from {
                writeln!(out, "D {old}")?;
            }
            let text = render(&incidents[change.incident], incidents, world, change.stage);
            writeln!(out, "M 100644 inline {}", change.path)?;
            data(out, text.as_bytes())?;
        }
        writeln!(out)?;
    }
    writeln!(out, "done")?;
    out.flush()
}

/// fast-import's exact-length `data` block.
fn data(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    writeln!(out, "data {}", bytes.len())?;
    out.write_all(bytes)?;
    writeln!(out)
}

struct CountingWriter<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Runs a git command in `dir`; its stdout on success.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output =
        Command::new("git").args(args).current_dir(dir).output().map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn dir_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|entries| entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}
