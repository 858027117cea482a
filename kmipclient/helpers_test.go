package kmipclient_test

import "os"

func osDeadline() error { return os.ErrDeadlineExceeded }
