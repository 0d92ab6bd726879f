//! Who may do what: one table, checked by every handler and walked by the role-matrix test.

use registry::Role;

/// An action on a kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Burial sites and aggregate numbers: everyone, viewers included.
    ReadSites,
    WriteSites,
    /// Persons' names, dates and places: personal data, not for viewers.
    ReadPersons,
    WritePersons,
    /// Moving a person's status along the way home.
    AdvanceStatus,
    ReadAudit,
    ManageUsers,
}

impl Permission {
    pub const ALL: [Permission; 7] = [
        Permission::ReadSites,
        Permission::WriteSites,
        Permission::ReadPersons,
        Permission::WritePersons,
        Permission::AdvanceStatus,
        Permission::ReadAudit,
        Permission::ManageUsers,
    ];

    /// The roles that hold this permission.
    pub fn roles(&self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::ReadSites => &[Admin, FamilyLiaison, LabAnalyst, Reviewer, MissionPlanner, Viewer],
            Permission::WriteSites => &[Admin, MissionPlanner],
            Permission::ReadPersons => &[Admin, FamilyLiaison, LabAnalyst, Reviewer, MissionPlanner],
            Permission::WritePersons => &[Admin, FamilyLiaison],
            Permission::AdvanceStatus => &[Admin, FamilyLiaison, LabAnalyst, Reviewer, MissionPlanner],
            Permission::ReadAudit | Permission::ManageUsers => &[Admin],
        }
    }

    pub fn allows(&self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}
