#!/usr/bin/env node
// Offline validation of firmware/terraform: Terraform itself cannot run
// here (no registry, no provider), so every .tf file goes through
// HashiCorp's HCL parser (npm @cdktf/hcl2json, the Go hcl library built to
// WebAssembly) and every expression through its expression parser. TAP.
//
// Checks, per configuration directory (the module, each example):
//   - every .tf file parses; no block is declared twice;
//   - every var.X, local.X, data.T.N, T.N (resource), module.M(.OUT)
//     resolves to a declared block (and OUT to an output of a local
//     module); every variable, local and data source is used;
//   - variables have a type and a description; outputs a description;
//   - module calls pass only variables the module declares, and every
//     variable without a default;
//   - templatefile() calls pass exactly the template's ${name}
//     placeholders (firmware/user-data.sh, firmware/iam-policy.json);
//   - what the tutorial must get right: the forensic group has no rule,
//     the bucket is versioned, encrypted and private, the detector
//     publishes every 15 minutes and the ThreatIntelSet reads the threat
//     list object, the launch template wants IMDSv2, the provider is v5.
"use strict";

const fs = require("fs");
const path = require("path");
const { parse, getExpressionAst } = require("@cdktf/hcl2json");

const ROOT = path.resolve(__dirname, "..", "..");
// Arguments: copies of firmware/ to check instead (the mutation tests);
// each gets its own TAP stream after a "### DIR" line.
let MODULE = path.join(ROOT, "firmware", "terraform");
const TYPE_NAMES = new Set(["string", "number", "bool", "any"]);
const META_ARGS = new Set(["source", "version", "providers", "count", "for_each", "depends_on"]);
const BUILTIN_ROOTS = new Set(["path", "terraform", "count", "each", "self"]);

let n = 0;
let failed = 0;
function tap(cond, what, diag = []) {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? "" : "not "}ok ${n} - ${what}`);
  for (const d of diag) console.log(`# ${d}`);
}
const rel = (p) => path.relative(ROOT, p);

// --- templates: the same rules as tests/firmware/tftemplate.py ------------
function templatePlaceholders(text) {
  const names = new Set();
  const bad = [];
  const re = /\$\$\{|%%\{|\$\{([^}]*)\}|%\{/g;
  let m;
  while ((m = re.exec(text))) {
    if (m[0] === "$${" || m[0] === "%%{") continue;
    if (m[0] === "%{") bad.push("template directive %{");
    else if (!/^\s*[A-Za-z_][A-Za-z0-9_]*\s*$/.test(m[1])) bad.push(`\${${m[1]}}`);
    else names.add(m[1].trim());
  }
  return { names, bad };
}

// --- expressions ------------------------------------------------------------
// hcl2json gives every expression back as template text ("${...}",
// "a-${b}", "%{if ...}"). Quote it back into an HCL template literal (the
// literal parts escaped, the ${...}/%{...} parts raw) and parse that.
function asTemplateLiteral(s) {
  let out = '"';
  let i = 0;
  while (i < s.length) {
    const two = s.slice(i, i + 2);
    if ((two === "${" || two === "%{") && s[i - 1] !== two[0]) {
      let depth = 0;
      let j = i + 1;
      for (; j < s.length; j++) {
        if (s[j] === "{") depth++;
        else if (s[j] === "}" && --depth === 0) break;
      }
      out += s.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const c = s[i];
    out += c === "\\" ? "\\\\" : c === '"' ? '\\"' : c === "\n" ? "\\n" : c === "\t" ? "\\t" : c;
    i++;
  }
  return out + '"';
}

function walkAst(node, visit, scope = new Set()) {
  if (!node) return;
  let inner = scope;
  if (node.type === "for" && node.meta) {
    inner = new Set(scope);
    if (node.meta.keyVar) inner.add(node.meta.keyVar);
    if (node.meta.valVar) inner.add(node.meta.valVar);
  }
  visit(node, inner);
  for (const c of node.children || []) walkAst(c, visit, inner);
}

// Every string in a parsed block, with the names of enclosing dynamic blocks.
function* strings(v, where, iters = []) {
  if (typeof v === "string") {
    if (v.includes("${") || v.includes("%{")) yield { s: v, where, iters };
  } else if (Array.isArray(v)) {
    for (const x of v) yield* strings(x, where, iters);
  } else if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "dynamic" && x && typeof x === "object") {
        for (const [name, blocks] of Object.entries(x)) yield* strings(blocks, `${where}.dynamic.${name}`, [...iters, name]);
      } else {
        yield* strings(x, `${where}.${k}`, iters);
      }
    }
  }
}

// --- one configuration directory -------------------------------------------
async function loadDir(dir, report = true) {
  const cfg = {
    dir, files: [], variables: {}, locals: {}, resources: {}, data: {}, modules: {}, outputs: {},
    terraform: [], providers: {}, dup: [],
  };
  const put = (map, key, val, file) => {
    if (map[key]) cfg.dup.push(`${key} in ${file} and ${map[key].file}`);
    map[key] = { ...val, file };
  };
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".tf")).sort();
  for (const f of files) {
    const file = path.join(dir, f);
    let j;
    try {
      j = await parse(f, fs.readFileSync(file, "utf8"));
      if (report) tap(true, `${rel(file)} parses`);
    } catch (e) {
      if (report) tap(false, `${rel(file)} parses`, [String(e.message || e).split("\n")[0]]);
      continue;
    }
    cfg.files.push(file);
    for (const [name, [b]] of Object.entries(j.variable || {})) put(cfg.variables, name, { b }, f);
    for (const l of j.locals || []) for (const [name, v] of Object.entries(l)) put(cfg.locals, name, { b: v }, f);
    for (const [t, byName] of Object.entries(j.resource || {}))
      for (const [name, [b]] of Object.entries(byName)) put(cfg.resources, `${t}.${name}`, { b }, f);
    for (const [t, byName] of Object.entries(j.data || {}))
      for (const [name, [b]] of Object.entries(byName)) put(cfg.data, `${t}.${name}`, { b }, f);
    for (const [name, [b]] of Object.entries(j.module || {})) put(cfg.modules, name, { b }, f);
    for (const [name, [b]] of Object.entries(j.output || {})) put(cfg.outputs, name, { b }, f);
    for (const [name, bs] of Object.entries(j.provider || {})) cfg.providers[name] = bs;
    cfg.terraform.push(...(j.terraform || []));
  }
  return cfg;
}

// Every expression of the configuration, parsed: [{ast, where, iters}].
async function expressions(cfg) {
  const out = [];
  const errors = [];
  const sources = [];
  const pending = [];
  for (const [kind, map] of [["variable", cfg.variables], ["local", cfg.locals], ["resource", cfg.resources],
    ["data", cfg.data], ["module", cfg.modules], ["output", cfg.outputs]])
    for (const [name, { b, file }] of Object.entries(map)) sources.push({ b, where: `${file}: ${kind} ${name}` });
  for (const [name, bs] of Object.entries(cfg.providers)) sources.push({ b: bs, where: `provider ${name}` });
  for (const { b, where } of sources) {
    for (const { s, where: w, iters } of strings(b, where)) {
      // A variable's type is a type constraint, not an expression.
      if (/: variable [^.]+\.type$/.test(w)) {
        const names = s.replace(/\$\{|\}/g, "").match(/[A-Za-z_][A-Za-z0-9_]*/g) || [];
        const unknown = names.filter((x) => !TYPE_NAMES.has(x) && !/^(list|map|set|object|tuple|optional)$/.test(x));
        // object({ name = string }): attribute names are fine too.
        const attrs = new Set((s.match(/([A-Za-z_][A-Za-z0-9_]*)\s*=/g) || []).map((x) => x.replace(/\s*=$/, "")));
        const bad = unknown.filter((x) => !attrs.has(x));
        if (bad.length) errors.push(`${w}: not a type constraint: ${s}`);
        continue;
      }
      pending.push({ s, where: w, iters });
    }
  }
  // One parser call per distinct text, all in flight at once: the WASM
  // bridge answers each call after a turn of the event loop.
  const cache = new Map();
  for (const { s } of pending)
    if (!cache.has(s)) cache.set(s, getExpressionAst("expr.tf", asTemplateLiteral(s)).then((ast) => ({ ast }), (e) => ({ e })));
  for (const { s, where: w, iters } of pending) {
    const { ast, e } = await cache.get(s);
    if (e) errors.push(`${w}: ${String(e.message || e).split("\n")[0]}`);
    else out.push({ ast, where: w, iters, text: s });
  }
  return { out, errors };
}

function traversals(ast, iters) {
  const found = [];
  walkAst(ast, (node, scope) => {
    if (node.type !== "scopeTraversal" || !node.meta) return;
    const segs = (node.meta.traversal || []).filter((t) => t.type === "nameTraversal").map((t) => t.segment);
    if (!segs.length) return;
    if (scope.has(segs[0]) || iters.includes(segs[0])) return;
    found.push(segs);
  });
  return found;
}

function templatefileCalls(ast) {
  const calls = [];
  walkAst(ast, (node) => {
    if (node.type === "function" && node.meta && node.meta.name === "templatefile") calls.push(node);
  });
  return calls;
}

async function checkDir(dir, modulesCfg) {
  const cfg = await loadDir(dir);
  const name = rel(dir);
  tap(cfg.dup.length === 0, `${name}: no block declared twice`, cfg.dup);
  const { out: exprs, errors } = await expressions(cfg);
  tap(errors.length === 0, `${name}: all ${exprs.length} expressions parse`, errors);

  const used = { variables: new Set(), locals: new Set(), data: new Set() };
  const unresolved = [];
  for (const { ast, where, iters } of exprs) {
    for (const segs of traversals(ast, iters)) {
      const [root, a, b] = segs;
      const ref = segs.slice(0, 3).join(".");
      if (root === "var") {
        used.variables.add(a);
        if (!cfg.variables[a]) unresolved.push(`${where}: var.${a} is not declared`);
      } else if (root === "local") {
        used.locals.add(a);
        if (!(a in cfg.locals)) unresolved.push(`${where}: local.${a} is not declared`);
      } else if (root === "data") {
        used.data.add(`${a}.${b}`);
        if (!cfg.data[`${a}.${b}`]) unresolved.push(`${where}: data.${a}.${b} is not declared`);
      } else if (root === "module") {
        const m = cfg.modules[a];
        if (!m) unresolved.push(`${where}: module.${a} is not declared`);
        else if (b && modulesCfg[a] && !modulesCfg[a].outputs[b])
          unresolved.push(`${where}: module.${a}.${b}: the module has no output "${b}"`);
      } else if (BUILTIN_ROOTS.has(root)) {
        continue;
      } else if (/^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(root)) {
        if (!a || !cfg.resources[`${root}.${a}`]) unresolved.push(`${where}: ${root}.${a} is not a declared resource`);
      } else {
        unresolved.push(`${where}: unknown name "${segs.join(".")}"`);
      }
    }
  }
  tap(unresolved.length === 0, `${name}: every reference resolves`, unresolved);

  const unusedVars = Object.keys(cfg.variables).filter((v) => !used.variables.has(v));
  tap(unusedVars.length === 0, `${name}: every variable is used (${Object.keys(cfg.variables).length})`,
    unusedVars.map((v) => `variable "${v}" is never used`));
  const unusedLocals = Object.keys(cfg.locals).filter((v) => !used.locals.has(v));
  tap(unusedLocals.length === 0, `${name}: every local is used (${Object.keys(cfg.locals).length})`,
    unusedLocals.map((v) => `local.${v} is never used`));
  const unusedData = Object.keys(cfg.data).filter((v) => !used.data.has(v));
  tap(unusedData.length === 0, `${name}: every data source is used`, unusedData.map((v) => `data.${v} is never used`));

  const undocumented = [];
  for (const [v, { b }] of Object.entries(cfg.variables)) {
    if (!b.description) undocumented.push(`variable "${v}" has no description`);
    if (!b.type) undocumented.push(`variable "${v}" has no type`);
  }
  for (const [o, { b }] of Object.entries(cfg.outputs)) if (!b.description) undocumented.push(`output "${o}" has no description`);
  tap(undocumented.length === 0, `${name}: variables typed and documented, outputs documented`, undocumented);

  // templatefile(): the object passed holds exactly the placeholders.
  for (const { ast, where } of exprs) {
    for (const call of templatefileCalls(ast)) {
      const [pathArg, varsArg] = call.children || [];
      const tpl = pathArg && pathArg.meta && pathArg.meta.value ? JSON.parse(pathArg.meta.value) : "";
      const file = path.resolve(dir, tpl.replace(/^\$\{path\.module\}\//, ""));
      if (!tpl.startsWith("${path.module}/") || !fs.existsSync(file)) {
        tap(false, `${where}: templatefile(${tpl}) names a file under path.module that exists`);
        continue;
      }
      const { names, bad } = templatePlaceholders(fs.readFileSync(file, "utf8"));
      const given = new Set(Object.keys((varsArg && varsArg.meta && varsArg.meta.items) || {}));
      const missing = [...names].filter((x) => !given.has(x));
      const extra = [...given].filter((x) => !names.has(x));
      tap(bad.length === 0 && missing.length === 0 && extra.length === 0,
        `${name}: templatefile(${rel(file)}) gets exactly its ${names.size} placeholders`,
        [...bad.map((x) => `unsupported template syntax ${x}`),
          ...missing.map((x) => `\${${x}} is not given`), ...extra.map((x) => `${x} is given but not used`)]);
    }
  }

  // Module calls: inputs exist, required ones are given.
  for (const [m, { b }] of Object.entries(cfg.modules)) {
    const mod = modulesCfg[m];
    if (!mod) {
      tap(false, `${name}: module "${m}" has a local source`);
      continue;
    }
    const inputs = Object.keys(b).filter((k) => !META_ARGS.has(k));
    const unknown = inputs.filter((k) => !mod.variables[k]);
    const required = Object.entries(mod.variables).filter(([, { b: vb }]) => !("default" in vb)).map(([k]) => k);
    const notGiven = required.filter((k) => !inputs.includes(k));
    tap(unknown.length === 0, `${name}: module "${m}": every input (${inputs.length}) is a variable of ${rel(mod.dir)}`,
      unknown.map((k) => `"${k}" is not a variable of the module`));
    tap(notGiven.length === 0, `${name}: module "${m}": every required variable is given (${required.join(", ")})`,
      notGiven.map((k) => `required variable "${k}" is not given`));
  }
  return cfg;
}

// --- the things the tutorial gets wrong, checked on the module -------------
function moduleChecks(cfg) {
  const r = (k) => (cfg.resources[k] || {}).b || {};
  const first = (x) => (Array.isArray(x) ? x[0] : x) || {};
  const sg = r("aws_security_group.forensic");
  tap(Array.isArray(sg.ingress) && sg.ingress.length === 0 && Array.isArray(sg.egress) && sg.egress.length === 0,
    "forensic security group: ingress = [] and egress = [] (the default egress rule removed, drift undone)");
  const bpab = r("aws_s3_bucket_public_access_block.lists");
  tap(["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].every((k) => bpab[k] === true),
    "list bucket: all four public access blocks on");
  tap(first(r("aws_s3_bucket_versioning.lists").versioning_configuration).status === "Enabled", "list bucket: versioning enabled");
  const sse = first(first(r("aws_s3_bucket_server_side_encryption_configuration.lists").rule).apply_server_side_encryption_by_default);
  tap(["AES256", "aws:kms", "aws:kms:dsse"].includes(sse.sse_algorithm), `list bucket: encrypted (${sse.sse_algorithm})`);
  const freq = ((cfg.variables.finding_publishing_frequency || {}).b || {}).default;
  tap(r("aws_guardduty_detector.this").finding_publishing_frequency === "${var.finding_publishing_frequency}" && freq === "FIFTEEN_MINUTES",
    "GuardDuty detector publishes every 15 minutes by default");
  const loc = r("aws_guardduty_threatintelset.this").location || "";
  tap(loc.includes("aws_s3_object.threat_list.bucket") && loc.includes("aws_s3_object.threat_list.key") && r("aws_guardduty_threatintelset.this").activate === true,
    "ThreatIntelSet is active and reads the threat list object cordon reads");
  const md = first(r("aws_launch_template.cordon").metadata_options);
  tap(md.http_tokens === "required", "launch template: IMDSv2 only");
  tap(md.instance_metadata_tags === "enabled",
    "launch template: instance tags readable through IMDS (the agent obeys cordon:status set from outside)");
  const lt = r("aws_launch_template.cordon");
  tap(/bundle_url\s*=/.test(JSON.stringify(lt.user_data || "")) && /bundle_sha256\s*=/.test(JSON.stringify(lt.user_data || "")),
    "launch template: user-data gets the bundle's location and SHA-256");

  // The tutorial's missing pieces: flow logs of all traffic to S3.
  const fl = r("aws_flow_log.vpc");
  tap(fl.traffic_type === "ALL" && fl.log_destination_type === "s3" &&
    String(fl.log_destination || "").includes("aws_s3_bucket.flow_logs") && fl.vpc_id === "${var.vpc_id}",
    "VPC flow log: ALL traffic of the VPC to the flow-logs bucket");
  tap(!!cfg.outputs.flow_logs_bucket_arn && String(cfg.outputs.flow_logs_bucket_arn.b.value).includes("aws_s3_bucket.flow_logs"),
    "output flow_logs_bucket_arn is the flow-logs bucket's ARN");
  const flb = r("aws_s3_bucket_public_access_block.flow_logs");
  tap(["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"].every((k) => flb[k] === true),
    "flow-logs bucket: all four public access blocks on");

  // The off-host responder.
  const fn = r("aws_lambda_function.responder");
  tap(fn.runtime === "provided.al2023" && fn.handler === "bootstrap" && fn.filename === "${var.responder_zip}",
    `responder: provided.al2023, bootstrap, the zip from var.responder_zip (${fn.runtime})`);
  tap(String(fn.role || "").includes("aws_iam_role.responder") && !String(fn.role || "").includes("aws_iam_role.instance"),
    "responder: a role of its own");
  tap(Array.isArray(fn.dead_letter_config) && String(first(fn.dead_letter_config).target_arn).includes("aws_sqs_queue.responder_dlq"),
    "responder: failed asynchronous invocations go to the dead-letter queue");
  const inv = r("aws_lambda_function_event_invoke_config.responder");
  tap(inv.maximum_retry_attempts === "${var.responder_retries}" && inv.maximum_event_age_in_seconds > 0,
    "responder: retries and event age set");
  const lg = r("aws_cloudwatch_log_group.responder");
  tap(lg.retention_in_days === "${var.log_retention_days}" && String(lg.name).startsWith("/aws/lambda/"),
    "responder: its log group, with a retention");
  const env = String((cfg.locals.responder_env || {}).b || "");
  const wantEnv = ["CORDON_CLOUD_FORENSIC_SECURITY_GROUP", "CORDON_CLOUD_CONVERSION_SECURITY_GROUP", "CORDON_CLOUD_SNS_TOPIC_ARN",
    "CORDON_CLOUD_TAG_INSTANCE", "CORDON_INCIDENT_GUARDDUTY_TYPES", "CORDON_INCIDENT_GUARDDUTY_MIN_SEVERITY"];
  tap(wantEnv.every((k) => env.includes(k)) && String(first(fn.environment).variables).includes("local.responder_env"),
    "responder: configured through CORDON_<SECTION>_<KEY> environment variables (DESIGN.md)",
    wantEnv.filter((k) => !env.includes(k)).map((k) => `no ${k}`));
  const rRules = (cfg.locals.responder_rules || {}).b || {};
  const pat = (k) => (rRules[k] || {}).pattern || {};
  const gdTypes = ((((cfg.variables.responder_finding_types || {}).b) || {}).default) || [];
  tap((pat("guardduty").source || []).includes("aws.guardduty") && (pat("guardduty")["detail-type"] || []).includes("GuardDuty Finding") &&
    gdTypes.includes("UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"),
    "responder rules: the tutorial's GuardDuty EC2 finding rule");
  tap(!!(rRules.dead_agent || {}).schedule, "responder rules: a schedule for the dead-agent check");
  tap((pat("list_update").source || []).includes("aws.s3") && (pat("list_update")["detail-type"] || []).includes("Object Created") &&
    String(JSON.stringify(pat("list_update").detail)).includes("local.threat_key") && r("aws_s3_bucket_notification.lists").eventbridge === true,
    "responder rules: S3 Object Created for the threat list key (bucket events on EventBridge)");
  tap((pat("cordon").source || []).includes("cordon") && ["cordon Incident", "cordon Release"].every((d) => (pat("cordon")["detail-type"] || []).includes(d)),
    "responder rules: source cordon, detail-types cordon Incident and cordon Release");
  const perm = r("aws_lambda_permission.responder");
  const tgt2 = r("aws_cloudwatch_event_target.responder");
  tap(perm.for_each === "${aws_cloudwatch_event_rule.responder}" && perm.principal === "events.amazonaws.com" &&
    perm.source_arn === "${each.value.arn}" && tgt2.for_each === "${aws_cloudwatch_event_rule.responder}",
    "responder: every rule has its target and its aws_lambda_permission (scoped to the rule's ARN)");
  tap(Array.isArray(tgt2.retry_policy) && Array.isArray(tgt2.dead_letter_config),
    "responder: rule targets retry, then dead-letter");
  const ec2text = String((((((cfg.locals.finding_rules || {}).b) || {}).ec2) || {}).text || "");
  tap(ec2text.includes("InstanceDetails:instanceId=<instance>") && ec2text.includes("fId=<id>") && ec2text.includes("<direction>"),
    "finding messages: console links to the instance and the finding, the connection's direction");
  const rp = cfg.terraform.map((t) => first(t.required_providers)).find((p) => p && p.aws) || {};
  tap(/^>= ?5\.\d+, ?< ?6\.0$|^~> ?5\.\d+$/.test((rp.aws || {}).version || ""), `AWS provider pinned to v5 (${(rp.aws || {}).version})`);
  const rules = Object.values(cfg.variables.finding_types ? cfg.variables.finding_types.b.default : {});
  tap(rules.includes("UnauthorizedAccess:EC2/MaliciousIPCaller.Custom") && rules.some((t) => t.includes("IAMUser/MaliciousIPCaller.Custom")),
    "EventBridge rules cover the EC2 and IAMUser MaliciousIPCaller.Custom findings by default");
  const readme = fs.existsSync(path.join(MODULE, "README.md")) ? fs.readFileSync(path.join(MODULE, "README.md"), "utf8") : "";
  const undocumented = [...Object.keys(cfg.variables), ...Object.keys(cfg.outputs)].filter((x) => !readme.includes(`| \`${x}\` |`));
  tap(readme && undocumented.length === 0, "README.md has a table row for every input and output",
    undocumented.map((x) => `no row for \`${x}\``));
  const tgt = r("aws_cloudwatch_event_target.finding_to_sns");
  tap(Array.isArray(tgt.input_transformer) && tgt.input_transformer[0].input_template,
    "EventBridge targets send a readable message (input transformer)");
}

async function validate(fwDir) {
  MODULE = path.join(path.resolve(fwDir), "terraform");
  n = 0;
  failed = 0;
  const mod = await checkDir(MODULE, {});
  moduleChecks(mod);
  const exDir = path.join(MODULE, "examples");
  const examples = fs.existsSync(exDir) ? fs.readdirSync(exDir).map((d) => path.join(exDir, d)).filter((d) => fs.statSync(d).isDirectory()) : [];
  tap(examples.length > 0, `examples: ${examples.map(rel).join(", ")}`);
  for (const ex of examples) {
    const pre = await loadDir(ex, false);
    const modulesCfg = {};
    for (const [m, { b }] of Object.entries(pre.modules)) {
      const src = path.resolve(ex, b.source || "");
      if (path.resolve(src) === MODULE) modulesCfg[m] = mod;
    }
    await checkDir(ex, modulesCfg);
  }
  console.log(`1..${n}`);
  return failed === 0;
}

async function main() {
  const dirs = process.argv.slice(2);
  let allOk = true;
  for (const d of dirs.length ? dirs : [path.join(ROOT, "firmware")]) {
    if (dirs.length) console.log(`### ${d}`);
    try {
      allOk = (await validate(d)) && allOk;
    } catch (e) {
      console.log(`not ok ${n + 1} - validate_tf.js crashed: ${e.stack || e}`);
      console.log(`1..${n + 1}`);
      allOk = false;
    }
  }
  process.exitCode = allOk ? 0 : 1;
}

main();
