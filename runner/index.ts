export { detectHardware, deriveLabels, gpuModelSlug, parseLabels } from './hardware';
export type { Capabilities, DetectHardwareOptions, HardwareReport } from './hardware';
export { parseCudaVersion, parseNvidiaSmiCsv, parseRocmSmiJson } from './gpu-probe';
export type { GpuInfo, HardwareDiagnostic } from './gpu-probe';
export {
  canonicalRequirement,
  describeRequirement,
  gpuCount,
  needsGpus,
  parseRequirement,
  queueName,
  requirementKey,
} from './requirement';
export type { Requirement, RequirementInput, RequirementResult } from './requirement';
export { DEFAULT_TAG_REQUIREMENTS, matchRule, mergeRequirements, resolveRequirement } from './requirements';
export type {
  AssignmentRule,
  RequirementSource,
  ResolvedRequirement,
  RoutedTask,
  RoutingOptions,
} from './requirements';
export { agentTakes, assignGpus, explainUnsatisfied, satisfies } from './satisfies';
export type { Satisfaction } from './satisfies';
export { globMatch } from './glob-match';
export { INFRASTRUCTURE_FAILURES } from './job';
export type { AgentInfo, JobPayload, LogLine, RunEvent, SignedJob, TaskResult, TaskStatus, TaskSummary } from './job';
export { canonicalJson, payloadProblem, signJob, verifyJob, REPO_ID, TRUST_LEVEL } from './sign';
export type { JobRefusal, TrustKey, VerifiedJob } from './sign';
export { generateLevelKeys, parsePrivateKey, parsePublicKey, secretFromEnv } from './signing-keys';
export type { KeyResult } from './signing-keys';
export { NX_TARGET_ALIASES, nxRunArgv, nxTaskArg, taskNameProblem } from './task-names';
export { JobQueues, QueueConsumer, QUEUE_REGISTRY, jobIdOf, queueRegistry } from './queue';
export type { ClaimedJob, EnqueueResult, QueueSettings } from './queue';
export { redisConnection } from './redis-connection';
export { JobSource } from './job-source';
export type { Claim, CpuWorkPolicy, JobSourceOptions } from './job-source';
export { Agent } from './agent';
export type { AgentOptions } from './agent';
export { syncCheckout } from './checkout';
export { runKeys } from './run-keys';
export { Coordinator, taskHeader, writeSummary } from './coordinator';
export type { CoordinatorOptions, OutputStyle, RunSnapshot, RunSummary, TaskEvent } from './coordinator';
export { reportLines, runReport } from './run-report';
export type { AgentReport, RunReport } from './run-report';
export { OwnOutputFilter, taskOwnOutput } from './nx-output';
export { criticalPathLengths, planTasks, readTaskGraph } from './task-graph';
export type { PlannedTask, TaskGraphResult } from './task-graph';
export { DEFAULT_MAX_ATTEMPTS, RunState } from './run-state';
export { readGitState } from './git-state';
export type { GitState } from './git-state';
export { resolveTaskUser } from './task-user';
export type { TaskUser } from './task-user';
export { withoutSecrets } from './secrets';
export { otherLevelsInRedis } from './shared-redis';
export type { SharedRedis } from './shared-redis';
export { resolveNxBin } from './nx-task';
export { agentPrice, CostLedger, parseLabelPrices } from './cost';
export type { CostFigures, RunCost } from './cost';
export { FAIR_CREDIT, FairOrder, parseRegistryEntry, registryValue, runQueueName } from './fairness';
export type { QueueMeta, RegistryEntry } from './fairness';
export { parseRepoSpecs, repoCheckout } from './repositories';
export type { RepoSpec } from './repositories';
export { AgentPool } from './agent-pool';
export type { SlotPool } from './job-source';
