"""The log-in end: log-in with password (and TOTP for staff and officers), log-out, password
reset and the first log-in's steps (I1). Its blueprint keeps the name ``accounts`` (the URLs'
endpoints). The accounts themselves (users, passwords, TOTP, codes) are ``portal.accounts``,
below every end."""
