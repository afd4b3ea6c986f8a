"""One specification per figure (data, chart, table, words): pages, report and site render it."""
