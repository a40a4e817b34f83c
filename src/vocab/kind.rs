//! The kinds of performance form, and the stages of a year's money, as the
//! forms name them.

/// Which form of the performance cycle a form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum FormKind {
    /// 项目支出绩效目标表: one project's targets, at budget time.
    #[default]
    ProjectTarget,
    /// 项目支出绩效自评表: one project's results against its targets.
    ProjectSelfEval,
    /// 部门整体支出绩效目标表: a whole department's targets.
    DeptTarget,
    /// 部门整体支出绩效自评表: a whole department's results.
    DeptSelfEval,
}

impl FormKind {
    pub const ALL: [FormKind; 4] = [
        FormKind::ProjectTarget,
        FormKind::ProjectSelfEval,
        FormKind::DeptTarget,
        FormKind::DeptSelfEval,
    ];

    /// Its place in [`FormKind::ALL`] (counts by kind are kept in that order).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The value of the `form_kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::ProjectTarget => "project_target",
            FormKind::ProjectSelfEval => "project_self_eval",
            FormKind::DeptTarget => "dept_target",
            FormKind::DeptSelfEval => "dept_self_eval",
        }
    }

    /// The form's name in Chinese, for people.
    pub fn zh(self) -> &'static str {
        match self {
            FormKind::ProjectTarget => "项目绩效目标表",
            FormKind::ProjectSelfEval => "项目绩效自评表",
            FormKind::DeptTarget => "部门整体绩效目标表",
            FormKind::DeptSelfEval => "部门整体绩效自评表",
        }
    }

    pub fn is_self_eval(self) -> bool {
        matches!(self, FormKind::ProjectSelfEval | FormKind::DeptSelfEval)
    }

    pub fn is_dept(self) -> bool {
        matches!(self, FormKind::DeptTarget | FormKind::DeptSelfEval)
    }

    /// The kind of a form about a department or a project, setting targets
    /// or evaluating them.
    pub fn of(dept: bool, self_eval: bool) -> FormKind {
        match (dept, self_eval) {
            (false, false) => FormKind::ProjectTarget,
            (false, true) => FormKind::ProjectSelfEval,
            (true, false) => FormKind::DeptTarget,
            (true, true) => FormKind::DeptSelfEval,
        }
    }

    /// What a form's title says of its kind: (about a whole department,
    /// a self-evaluation), each `None` when the title does not say.
    /// `title` is folded ([`super::text::fold_label`]).
    pub fn title_says(title: &str) -> (Option<bool>, Option<bool>) {
        // Most titles are a project's target form's: one look.
        if !title.contains(['整', '评']) {
            return (None, None);
        }
        let dept = ["整体支出", "部门整体", "单位整体"]
            .iter()
            .any(|w| title.contains(w));
        let self_eval = ["自评", "评价表", "绩效评价"]
            .iter()
            .any(|w| title.contains(w));
        (dept.then_some(true), self_eval.then_some(true))
    }
}

impl std::fmt::Display for FormKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stage of a year an amount belongs to: set at budget time on a
/// target form; at the start of the year, adjusted, for the full year, and
/// spent, on a self-evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Stage {
    /// The amount a target form sets (预算数).
    #[default]
    Budget,
    /// 年初预算数: the budget at the start of the year.
    YearStart,
    /// 年中调整金额: the change during the year.
    Adjustment,
    /// 全年预算数, 调整后预算数: the budget for the whole year.
    FullYear,
    /// 全年执行数, 预算执行数: what was spent.
    Executed,
}

impl Stage {
    /// The value of the `stage` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Budget => "budget",
            Stage::YearStart => "year_start",
            Stage::Adjustment => "adjustment",
            Stage::FullYear => "full_year",
            Stage::Executed => "executed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_at_its_index_in_all() {
        for (i, kind) in FormKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind:?}");
        }
    }

    #[test]
    fn titles_tell_department_and_self_evaluation_forms() {
        assert_eq!(
            FormKind::title_says("部门整体支出绩效自评表"),
            (Some(true), Some(true))
        );
        assert_eq!(
            FormKind::title_says("项目支出绩效自评表(2022年度)"),
            (None, Some(true))
        );
        assert_eq!(
            FormKind::title_says("部门整体支出绩效目标表"),
            (Some(true), None)
        );
        assert_eq!(FormKind::title_says("绩效目标表"), (None, None));
        for k in FormKind::ALL {
            assert_eq!(FormKind::of(k.is_dept(), k.is_self_eval()), k);
        }
    }
}
