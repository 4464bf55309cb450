import { describe, expect, it } from 'vitest';
import { normalizeOptions, validateOptions } from '../../config';
import { dockerTargetNames, resolveDockerSettings } from '../../graph/docker';

describe('docker plugin options', () => {
  it.each([
    [{ docker: 5 }, 'docker', /^must be object \(got 5\)$/],
    [
      { docker: { bogus: true } },
      'docker.bogus',
      /^unknown option; known options are: enabled, buildTargetName, pushTargetName, context, tags, buildArgs, envBuildArgs, buildx, registry, exportImage, resolveBaseDigests, projects$/,
    ],
    [{ docker: { enabled: 'yes' } }, 'docker.enabled', /^must be boolean \(got "yes"\)$/],
    [
      { docker: { buildTargetName: '' } },
      'docker.buildTargetName',
      /^must NOT have fewer than 1 characters \(got ""\)$/,
    ],
    [{ docker: { context: '/abs' } }, 'docker.context', /^must match pattern .* \(got "\/abs"\)$/],
    [{ docker: { context: '../outside' } }, 'docker.context', /^must match pattern .* \(got "\.\.\/outside"\)$/],
    [{ docker: { tags: [] } }, 'docker.tags', /^must NOT have fewer than 1 items \(got \[\]\)$/],
    [{ docker: { tags: ['bad tag'] } }, 'docker.tags.0', /^must match pattern .* \(got "bad tag"\)$/],
    [{ docker: { buildArgs: { X: 1 } } }, 'docker.buildArgs.X', /^must be string \(got 1\)$/],
    [{ docker: { envBuildArgs: ['1BAD'] } }, 'docker.envBuildArgs.0', /^must match pattern .* \(got "1BAD"\)$/],
    [{ docker: { buildx: 1 } }, 'docker.buildx', /^must be boolean \(got 1\)$/],
    [
      { docker: { registry: 'https://ghcr.io' } },
      'docker.registry',
      /^must match pattern .* \(got "https:\/\/ghcr.io"\)$/,
    ],
    [{ docker: { exportImage: true } }, 'docker.exportImage', /^must be one of false, "tar", "registry" \(got true\)$/],
    [{ docker: { resolveBaseDigests: 'no' } }, 'docker.resolveBaseDigests', /^must be boolean \(got "no"\)$/],
    [
      { docker: { projects: { api: { image: 'Bad Name' } } } },
      'docker.projects.api.image',
      /^must match pattern .* \(got "Bad Name"\)$/,
    ],
    [
      { docker: { projects: { api: { nope: 1 } } } },
      'docker.projects.api.nope',
      /^unknown option; known options are: context, tags, buildArgs, envBuildArgs, buildx, registry, exportImage, resolveBaseDigests, image$/,
    ],
    [{ docker: { image: 'x' } }, 'docker.image', /^unknown option/],
  ])('rejects %j naming the option', (raw, option, message) => {
    const problems = validateOptions(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0].option).toBe(option);
    expect(problems[0].message).toMatch(message);
  });

  it('accepts a full configuration', () => {
    const docker = {
      enabled: true,
      buildTargetName: 'image',
      pushTargetName: 'publish',
      context: '.',
      tags: ['1.0', 'latest'],
      buildArgs: { MODE: 'prod' },
      envBuildArgs: ['GIT_SHA'],
      buildx: true,
      registry: 'localhost:5000/acme',
      exportImage: 'registry' as const,
      resolveBaseDigests: true,
      projects: { 'api-image': { context: 'apps/api', image: 'acme/api' }, 'docker/**/Dockerfile': { tags: ['dev'] } },
    };
    expect(validateOptions({ docker })).toEqual([]);
    expect(normalizeOptions({ docker }).docker).toEqual(docker);
  });

  it('fills defaults, then the docker option, then every matching projects entry in order', () => {
    expect(dockerTargetNames(undefined)).toEqual({ enabled: true, build: 'docker-build', push: 'docker-push' });
    const target = { project: 'api-image', dockerfile: 'docker/api-image/Dockerfile', defaultImage: 'api-image' };
    expect(resolveDockerSettings(undefined, target)).toEqual({
      context: 'docker/api-image',
      contextFromOption: false,
      image: 'api-image',
      tags: ['latest'],
      buildArgs: {},
      envBuildArgs: [],
      buildx: false,
      exportImage: false,
      resolveBaseDigests: false,
    });
    const settings = resolveDockerSettings(
      {
        tags: ['1.0'],
        registry: 'ghcr.io/acme/',
        projects: {
          'docker/*/Dockerfile': { context: './', tags: ['2.0'] },
          'api-image': { image: 'acme-api' },
          other: { buildx: true },
        },
      },
      target,
    );
    expect(settings).toMatchObject({
      context: '.',
      tags: ['2.0'],
      image: 'acme-api',
      registry: 'ghcr.io/acme',
      buildx: false,
    });
    // A project-name key never matches as a folder glob.
    expect(resolveDockerSettings({ projects: { docker: { buildx: true } } }, target).buildx).toBe(false);
  });
});
