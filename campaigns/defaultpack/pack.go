// Package defaultpack embeds the built-in campaign pack: campaigns.yaml and
// its templates. `outreach init DIR` writes it out for marketing to copy and
// edit; without OUTREACH_CAMPAIGNS the service runs it as is. It is parsed
// and validated by package campaigns (campaigns.Default).
package defaultpack

import "embed"

// FS holds campaigns.yaml and templates/ at its root, laid out exactly as a
// pack directory on disk.
//
//go:embed campaigns.yaml templates
var FS embed.FS
