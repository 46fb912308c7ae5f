"""The doctor's end (个人端): sign-up, verification, activation, application, status."""
