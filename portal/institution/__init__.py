"""The institution end (机构端): activation queue (I3) and approval queue (I4)."""
