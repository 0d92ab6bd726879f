-- The language a user reads the web pages in ("en", "ja"); NULL: from the browser's Accept-Language.
ALTER TABLE users ADD COLUMN locale TEXT;
