#!/usr/bin/env node
// Generates src/api/protobuf/fields.generated.json: the protobuf field table of the Kubernetes
// API types (field number → JSON name, wire type, repeated/map, pointer, omitempty, inline), which
// src/api/protobuf/ uses to decode (and encode) `application/vnd.kubernetes.protobuf` bodies.
//
// Inputs (read-only, never copied into this repository): the upstream Go API definitions of
//  - k8s.io/api            (github.com/kubernetes/api): <group>/<version>/generated.proto and types.go
//  - k8s.io/apimachinery   (github.com/kubernetes/apimachinery): pkg/apis/meta/v1, pkg/runtime,
//                          pkg/util/intstr, pkg/api/resource (generated.proto and *.go)
// generated.proto gives each message's field numbers and protobuf types (int32 vs int64, maps,
// cross-package message names); the Go struct tags in types.go give the JSON names
// (`json:"name,omitempty"`), `json:",inline"` embedding and pointer-ness, joined on the field
// number of the `protobuf:"bytes,N,opt,name=..."` tag.
//
// Where the inputs come from: git directories (bare or with a work tree), by default the mirrors
// /work/.mirror/kubernetes+api/repo and /work/.mirror/kubernetes+apimachinery/repo that the
// project's research tooling fetches; override with K8S_API_GIT / K8S_APIMACHINERY_GIT (a git
// dir, or a plain checkout directory). From a git dir the files are read at the release tag
// K8S_REF (default v0.32.13: k8s.io/api and apimachinery of Kubernetes 1.32, the API version Skiff
// serves; field numbers never change between releases, newer ones only add fields).
//
// The output is committed; nothing at build or test time runs this script.
// Run: node scripts/gen-protobuf-fields.mjs
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFile = join(root, 'src/api/protobuf/fields.generated.json');

const API_SRC = process.env.K8S_API_GIT ?? '/work/.mirror/kubernetes+api/repo';
const MACHINERY_SRC = process.env.K8S_APIMACHINERY_GIT ?? '/work/.mirror/kubernetes+apimachinery/repo';
const REF = process.env.K8S_REF ?? 'v0.32.13';

/** API packages served by Skiff (and the request bodies typed clients send to it). */
const API_PACKAGES = [
  'core/v1', 'apps/v1', 'batch/v1', 'autoscaling/v1', 'autoscaling/v2', 'networking/v1', 'discovery/v1',
  'rbac/v1', 'storage/v1', 'coordination/v1', 'policy/v1', 'scheduling/v1', 'events/v1',
  'authentication/v1', 'authorization/v1', 'certificates/v1',
];
/** apimachinery packages: [directory, protobuf package]. */
const MACHINERY_PACKAGES = [
  ['pkg/apis/meta/v1', 'k8s.io.apimachinery.pkg.apis.meta.v1'],
  ['pkg/runtime', 'k8s.io.apimachinery.pkg.runtime'],
  ['pkg/util/intstr', 'k8s.io.apimachinery.pkg.util.intstr'],
  ['pkg/api/resource', 'k8s.io.apimachinery.pkg.api.resource'],
];

// Messages whose JSON form is not their protobuf shape (custom Marshal/MarshalJSON upstream).
const SPECIAL = {
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'Quantity',
  'k8s.io.apimachinery.pkg.api.resource.QuantityValue': 'Quantity',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': 'Time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': 'MicroTime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': 'Duration',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': 'FieldsV1',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'RawExtension',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'IntOrString',
};

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'double', 'float']);

// ---- reading the sources --------------------------------------------------------------------

function isGitDir(src) {
  return existsSync(join(src, 'HEAD')) && existsSync(join(src, 'objects'));
}

function listDir(src, dir) {
  if (isGitDir(src)) {
    const out = execFileSync('git', ['--git-dir', src, 'ls-tree', '--name-only', REF, `${dir}/`], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map((p) => p.slice(dir.length + 1));
  }
  return readdirSync(join(src, dir)).filter((f) => statSync(join(src, dir, f)).isFile());
}

function readSource(src, path) {
  if (isGitDir(src)) return execFileSync('git', ['--git-dir', src, 'show', `${REF}:${path}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return readFileSync(join(src, path), 'utf8');
}

// ---- generated.proto --------------------------------------------------------------------------

/** Messages of one generated.proto: name → { pkg, fields: [{ label, type, map, name, num }] }. */
function parseProto(text) {
  const pkg = /^package\s+([\w.]+)\s*;/m.exec(text)[1];
  const lines = text.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim());
  const messages = {};
  let cur;
  for (const line of lines) {
    if (!line) continue;
    const m = /^message\s+(\w+)\s*\{$/.exec(line);
    if (m) {
      cur = { pkg, fields: [] };
      messages[m[1]] = cur;
      continue;
    }
    if (line === '}') {
      cur = undefined;
      continue;
    }
    if (!cur) continue;
    const f = /^(optional|repeated)?\s*(map<\s*([\w.]+)\s*,\s*([\w.]+)\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)\s*(\[[^\]]*\])?\s*;$/.exec(line);
    if (!f) {
      if (/^(option|reserved)\b/.test(line)) continue;
      throw new Error(`${pkg}: cannot parse proto line: ${line}`);
    }
    const [, label, type, mapKey, mapValue, name, num] = f;
    cur.fields.push(mapKey ? { label: 'map', map: [mapKey, mapValue], name, num: Number(num) } : { label: label ?? 'optional', type, name, num: Number(num) });
  }
  return { pkg, messages };
}

function qualify(type, pkg) {
  if (SCALARS.has(type)) return type;
  if (type.startsWith('.')) return type.slice(1);
  return `${pkg}.${type}`;
}

// ---- Go struct tags ---------------------------------------------------------------------------

/** Go declarations of one package: structs (name → fields by protobuf number) and named slices. */
function parseGo(files) {
  const structs = {};
  const sliceTypes = new Set();
  for (const text of files) {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const slice = /^type\s+(\w+)\s+\[\][\w.*]+\s*$/.exec(lines[i]);
      if (slice) sliceTypes.add(slice[1]);
      const s = /^type\s+(\w+)\s+struct\s*\{\s*$/.exec(lines[i]);
      if (!s) continue;
      const fields = {};
      for (i++; i < lines.length && !/^\}/.test(lines[i]); i++) {
        const line = lines[i].trim();
        if (line.startsWith('//')) continue;
        const f = /^(?:(\w+)\s+)?([^\s`]+)\s+`([^`]*)`/.exec(line);
        if (!f) continue;
        const [, goName, goType, tag] = f;
        const pb = /protobuf:"([^"]*)"/.exec(tag);
        if (!pb || pb[1] === '-') continue;
        const parts = pb[1].split(',');
        const num = Number(parts[1]);
        const jsonTag = /json:"([^"]*)"/.exec(tag)?.[1] ?? '';
        const [jsonName, ...opts] = jsonTag.split(',');
        // json:"-" fields exist on the protobuf wire but not in JSON: kept, marked json "-".
        const embedded = goName === undefined;
        const field = { goType };
        if (embedded && jsonName === '') field.inline = true;
        else field.json = jsonName || goName || goType.replace(/^\*/, '').split('.').pop();
        if (opts.includes('omitempty')) field.omitEmpty = true;
        if (goType.startsWith('*')) field.ptr = true;
        fields[num] = field;
      }
      structs[s[1]] = fields;
    }
  }
  return { structs, sliceTypes };
}

function goFiles(src, dir) {
  return listDir(src, dir)
    .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go') && !f.startsWith('zz_generated') && !f.startsWith('generated.') && !f.includes('swagger_doc'))
    .map((f) => readSource(src, `${dir}/${f}`));
}

// ---- building the table -----------------------------------------------------------------------

const messages = {};
const packages = {};

function addPackage(src, dir, expectedPkg) {
  const { pkg, messages: protoMessages } = parseProto(readSource(src, `${dir}/generated.proto`));
  if (expectedPkg && pkg !== expectedPkg) throw new Error(`${dir}: package ${pkg}, expected ${expectedPkg}`);
  const { structs, sliceTypes } = parseGo(goFiles(src, dir));
  for (const [name, msg] of Object.entries(protoMessages)) {
    const full = `${pkg}.${name}`;
    if (SPECIAL[full]) {
      messages[full] = { special: SPECIAL[full] };
      continue;
    }
    const goFields = structs[name];
    if (!goFields && sliceTypes.has(name) && msg.fields.length === 1 && msg.fields[0].num === 1 && msg.fields[0].label === 'repeated') {
      // A named Go slice type (e.g. `type Verbs []string`): JSON is the bare array.
      messages[full] = { listOf: qualify(msg.fields[0].type, pkg) };
      continue;
    }
    const fields = {};
    for (const pf of msg.fields) {
      const gf = goFields?.[pf.num];
      if (goFields && !gf) throw new Error(`${full}: field ${pf.num} (${pf.name}) has no Go struct field`);
      const out = {};
      if (gf?.inline) out.inline = true;
      else out.json = gf?.json ?? pf.name;
      if (pf.label === 'map') {
        out.type = 'map';
        out.key = qualify(pf.map[0], pkg);
        out.value = qualify(pf.map[1], pkg);
      } else {
        out.type = qualify(pf.type, pkg);
        if (pf.label === 'repeated') out.repeated = true;
      }
      if (gf?.ptr) out.ptr = true;
      if (gf?.omitEmpty) out.omitEmpty = true;
      fields[pf.num] = out;
    }
    messages[full] = { fields };
  }
  return pkg;
}

for (const dir of API_PACKAGES) {
  const pkg = addPackage(API_SRC, dir);
  const [group, version] = dir.split('/');
  let groupName = '';
  if (group !== 'core') {
    const reg = readSource(API_SRC, `${dir}/register.go`);
    groupName = /const\s+GroupName\s*=\s*"([^"]*)"/.exec(reg)[1];
  }
  packages[groupName ? `${groupName}/${version}` : version] = pkg;
}
for (const [dir, pkg] of MACHINERY_PACKAGES) addPackage(MACHINERY_SRC, dir, pkg);
packages['meta.k8s.io/v1'] = 'k8s.io.apimachinery.pkg.apis.meta.v1';

// Every referenced message type must be known, so the decoder never meets an unknown name.
for (const [name, m] of Object.entries(messages)) {
  for (const [num, f] of Object.entries(m.fields ?? {})) {
    for (const t of [f.type, f.key, f.value, m.listOf]) {
      if (t && t !== 'map' && !SCALARS.has(t) && !messages[t]) throw new Error(`${name}.${num}: unknown type ${t}`);
    }
  }
}

const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
const table = {
  source: `Generated by scripts/gen-protobuf-fields.mjs from the k8s.io/api and k8s.io/apimachinery ${REF} type definitions. Do not edit.`,
  packages: sorted(packages),
  messages: sorted(messages),
};
writeFileSync(outFile, JSON.stringify(table, null, 0).replace(/\},"(k8s\.io)/g, '},\n"$1') + '\n');
console.log(`wrote ${outFile}: ${Object.keys(messages).length} messages, ${Object.keys(packages).length} group versions`);
