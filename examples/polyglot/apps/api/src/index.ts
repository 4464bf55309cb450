export { renderIndex } from './routes';
