"""The health-commission end (卫生行政部门端): final approval (A4), identity cases (A3)."""
