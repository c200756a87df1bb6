"""The renderers: the site (pages, theme, search, charts), open data, and printing (PDF and XLSX)."""
