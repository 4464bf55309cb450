import { PROJECT_CONFIG_GLOB } from '../graph/projects/project-config-glob';
import { DOCKERFILE_GLOB } from '../graph/docker/dockerfile-names';
import { PYTHON_PROJECT_GLOB } from '../graph/python/project-glob';

/** The files createNodes is called for. Leaf modules only: plugin/index.ts loads this at once. */
export const NODES_GLOB = `{${PROJECT_CONFIG_GLOB},${DOCKERFILE_GLOB},${PYTHON_PROJECT_GLOB}}`;
