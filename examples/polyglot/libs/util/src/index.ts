export { slugify, titleCase } from './strings';
