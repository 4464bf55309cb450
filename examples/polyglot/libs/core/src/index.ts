export { articleUrl, type Article } from './article';
