/** Where the JSON API lives: pages (in French) are served beside it under "/", so the two never share a path. */
export const API_PREFIX = '/api';
