"""What the tools share: argument types, errors, results, confirmation, the account's directories."""
