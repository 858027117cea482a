package ttlv_test

import (
	"bufio"
	"io"
)

func newBufioReader(r io.Reader, size int) *bufio.Reader { return bufio.NewReaderSize(r, size) }
