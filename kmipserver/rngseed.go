package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// opRNGSeed is the RNG Seed operation (KMIP 1.4 §9.1.3.2.27).
const opRNGSeed uint32 = 0x26

// rngSeed answers RNG Seed (2.1 §6.1.46, 1.4 §4.36, added in 1.3). The
// server's random numbers come from Config.Rand, by default the operating
// system's CSPRNG (crypto/rand), which a client cannot seed: the seed is
// accepted and none of it is used, Data Length 0 — the answer the
// specification allows ("the amount of seed data accepted") and the one of
// OASIS test case CS-RNG-O-3.
func (c *reqCtx) rngSeed(p *ttlv.Value, b []byte) ([]byte, *opError) {
	if bytesOf(p, ttlv.TagData) == nil {
		return b, fail(rrInvalidField, "RNG Seed without Data")
	}
	return ttlv.AppendInteger(b, ttlv.TagDataLength, 0), nil
}
