"""Reading files safely into documents: raw values plus a way back to line and column."""
