//! Accounts, holds, eligibility, quotas and settlement (see docs/ARCHITECTURE.md).
