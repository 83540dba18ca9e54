package console

// campaignPages returns the marketing pages about campaigns.
func (s *Server) campaignPages() []Page { return nil }
