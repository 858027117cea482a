package ttlv

// Temporary until the generated tables land.
func builtinTagName(t Tag) (string, bool) { return "", false }
