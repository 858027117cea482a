package kmip

// The KMIP 3.0 draft (csd01) makes the Name attribute a Text String (3.0
// §4.36) where KMIP 1.x and 2.x have a Structure of Name Value and Name
// Type (2.1 §4.37, 1.4 §3.2). The generated code writes a Name in the form
// of the version it encodes for; these two methods convert.

// setText30 sets n from the Text String form: its Name Value, with the
// Name Type such a name has in 1.x and 2.x, Uninterpreted Text String.
func (n *Name) setText30(s string) {
	n.reset()
	n.NameValue = s
	n.NameType = NameTypeUninterpretedTextString
}

// text30 returns the Text String form of n, its Name Value.
func (n *Name) text30() string { return n.NameValue }
