"""Where the coverage is kept: the SQLite store and its migrations."""
