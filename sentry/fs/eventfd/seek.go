package eventfd

// NoopSeek implements vfs.NoopSeeker: lseek on an eventfd succeeds and
// leaves the offset at 0, as Linux's noop_llseek does.
func (*EventFD) NoopSeek() {}
