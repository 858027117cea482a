package ttlv

// Temporary until the generated tables land (the registry helper deletes
// this file).
func builtinTagName(t Tag) (string, bool)           { return "", false }
func EnumName(t Tag, v uint32) (string, bool)       { return "", false }
func IsMask(t Tag) bool                             { return false }
func AppendMask(dst []byte, t Tag, v uint32) []byte { return dst }
func LookupAttributeName(name string) (Tag, bool)   { return 0, false }

type Registry struct{}

func (r *Registry) TagName(t Tag) (string, bool)                  { return builtinTagName(t) }
func (r *Registry) EnumName(t Tag, v uint32) (string, bool)       { return EnumName(t, v) }
func (r *Registry) IsMask(t Tag) bool                             { return IsMask(t) }
func (r *Registry) AppendMask(dst []byte, t Tag, v uint32) []byte { return AppendMask(dst, t, v) }
