"""The records every end shares (the domain layer below the ends): institutions (I1, I2),
qualification and practice records (Q1, Q2), identity cases (A3) and import batches (A2).

It imports no end (doctor, institution, admin, public) and no workflow; the ends and the
workflow import it. Only ``portal.workflow`` changes their state."""
