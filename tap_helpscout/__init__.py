"""Singer tap for Help Scout: the Inbox API 2.0 and the happiness ratings report."""
