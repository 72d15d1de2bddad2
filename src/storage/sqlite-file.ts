/** The embedded database's file, under the data directory. */
export const sqliteFileName = 'capstan.sqlite';
