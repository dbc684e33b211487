#!/usr/bin/env node
// Validates Kubernetes manifests offline against the Kubernetes OpenAPI schemas (the npm package kubernetes-models), and
// the Gateway API and cert-manager kinds against their CRDs' schemas (@kubernetes-models/gateway-api, .../cert-manager):
// wrong types, missing required fields and bad enum values. Unknown fields are not caught here; the .NET tests parse
// the same files strictly with KubernetesClient for that.
//
//   node tools/k8s-validate/validate.mjs deploy/k8s/*.yaml deploy/k8s-redis-cluster/*.yaml deploy/k8s-gateway/*.yaml
//
// Prints one line per object, then a summary; exits 1 when any object is invalid, 2 on bad usage.
import { readFile } from "node:fs/promises";
import { parseAllDocuments } from "yaml";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Gateway, HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { Certificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1";

// The kinds the generator writes, and the Namespace of the Kustomize base (deploy/kustomize/base); anything else is
// reported rather than passed unchecked.
const models = new Map(
  [
    ConfigMap, Namespace, Secret, Service, ServiceAccount, Deployment, StatefulSet, Job, Ingress, HorizontalPodAutoscaler,
    PodDisruptionBudget, Role, RoleBinding, NetworkPolicy, Gateway, HTTPRoute, Certificate,
  ].map(
    (model) => [`${model.apiVersion}/${model.kind}`, model],
  ),
);

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs <manifest.yaml>...");
  process.exit(2);
}

let objects = 0;
let valid = 0;
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`INVALID  ${message}`);
};

for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    fail(`${file}: cannot read: ${error.message}`);
    continue;
  }

  // YAML 1.2 core schema, duplicate keys are errors, warnings count as errors too.
  const documents = parseAllDocuments(text, { strict: true, uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(documents)) {
    fail(`${file}: not a YAML stream`);
    continue;
  }

  documents.forEach((document, index) => {
    const where = `${file} document ${index + 1}`;
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) {
      fail(`${where}: YAML: ${problems.map((problem) => problem.message).join("; ")}`);
      return;
    }

    const object = document.toJS();
    if (object === null || object === undefined) {
      return; // an empty document, e.g. after a trailing ---
    }

    objects++;
    const name = `${object.kind ?? "?"} ${object.metadata?.name ?? "(no name)"}`;
    const model = models.get(`${object.apiVersion}/${object.kind}`);
    if (model === undefined) {
      fail(`${where} (${name}): no schema for apiVersion '${object.apiVersion}' kind '${object.kind}'`);
      return;
    }

    try {
      new model(object).validate();
      valid++;
      console.log(`ok       ${where}: ${object.apiVersion} ${name}`);
    } catch (error) {
      const details = Array.isArray(error.errors)
        ? error.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`)
        : [error.message];
      fail(`${where} (${object.apiVersion} ${name}):\n    ${details.join("\n    ")}`);
    }
  });
}

console.log(`${files.length} file(s), ${objects} object(s): ${valid} valid, ${failures.length} problem(s)`);
process.exit(failures.length === 0 ? 0 : 1);
