// Run with cwd = a workspace. argv[2]: JSON request {tsconfigs: {id: [abs tsconfig]}, vitest: {id: absDir}};
// argv[3]: output {id: [abs files]}. What the tools themselves read:
// - typecheck: the source files of the program `tsc -p <tsconfig>` builds (what
//   `tsc --listFilesOnly` prints), plus the tsconfig and every file it extends;
// - vitest: every module in the Vite module graphs of a real `vitest run` of that folder, plus
//   its config file and the files the config imports.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ts = require('typescript');
const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const out = {};
const sourceFiles = new Map();

for (const [id, configs] of Object.entries(request.tsconfigs ?? {})) {
  const files = new Set();
  for (const config of configs) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      config,
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    );
    if (!parsed) continue;
    files.add(config);
    for (const f of parsed.options.configFile?.extendedSourceFiles ?? []) files.add(f);
    const host = ts.createCompilerHost(parsed.options);
    const plain = host.getSourceFile;
    // Parsed files are shared between programs (lib files above all); what each program reads is its own.
    host.getSourceFile = (file, language, ...rest) => {
      const key = `${file}\0${typeof language === 'object' ? language.languageVersion : language}`;
      if (!sourceFiles.has(key)) sourceFiles.set(key, plain.call(host, file, language, ...rest));
      return sourceFiles.get(key);
    };
    const program = ts.createProgram({
      rootNames: parsed.fileNames,
      options: parsed.options,
      projectReferences: parsed.projectReferences,
      host,
    });
    for (const sf of program.getSourceFiles()) files.add(sf.fileName);
  }
  out[id] = [...files];
}

if (process.env.FLEET_TRUST_TIMING)
  process.stdout.write(`typescript ${Object.keys(out).length} programs ${Math.round(performance.now())} ms\n`);
// One Vitest per task, as `vitest run [--exclude G ...]` started in the task's folder: its config is found there.
const runs = Object.entries(request.vitest ?? {});
if (runs.length > 0) {
  const { createVitest } = await import(require.resolve('vitest/node'));
  for (const [id, run] of runs) {
    process.chdir(run.dir);
    const vitest = await createVitest('test', {
      root: run.dir,
      watch: false,
      reporters: [{}],
      passWithNoTests: true,
      cliExclude: run.exclude,
      pool: 'threads',
      maxWorkers: 1,
      isolate: false,
    });
    await vitest.start();
    const files = new Set(out[id] ?? []);
    for (const project of vitest.projects) {
      for (const env of Object.values(project.vite.environments))
        for (const mod of env.moduleGraph.idToModuleMap.values()) if (mod.file) files.add(mod.file);
      const cfg = project.vite.config;
      if (cfg.configFile) files.add(cfg.configFile);
      for (const f of cfg.configFileDependencies ?? []) files.add(f);
    }
    out[id] = [...files];
    await vitest.close();
    if (process.env.FLEET_TRUST_TIMING) process.stdout.write(`vitest ${id} ${Math.round(performance.now())} ms\n`);
  }
}
fs.writeFileSync(process.argv[3], JSON.stringify(out));
process.exit(0);
