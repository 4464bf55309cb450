export { detectHardware, deriveLabels, gpuModelSlug, parseLabels } from './hardware';
export type { Capabilities, DetectHardwareOptions, HardwareReport } from './hardware';
export { parseCudaVersion, parseNvidiaSmiCsv, parseRocmSmiJson } from './gpu-probe';
export type { GpuInfo, HardwareDiagnostic } from './gpu-probe';
