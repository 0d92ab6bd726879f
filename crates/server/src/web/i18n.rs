//! English and Japanese: every label of the web pages, dates and numbers in the reader's locale,
//! and names in the script the reader prefers.
//!
//! The message table is one macro invocation: each message has both languages or it does not
//! compile.

use maud::{html, Markup};
use registry::model::{Name, PartialDate};

/// The languages the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    /// A stored preference or a `?lang=` value.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header (by quality) that the pages are written in.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut offers: Vec<(f32, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut bits = part.split(';');
                let lang = Lang::from_tag(bits.next()?)?;
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0).then_some((q, i, lang))
            })
            .collect();
        offers.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        offers.first().map(|o| o.2)
    }

    pub fn t(self, m: Msg) -> &'static str {
        m.text(self)
    }
}

macro_rules! messages {
    ($($key:ident => $en:literal, $ja:literal;)*) => {
        /// A label of the web pages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($key),* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$key),*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$key, Lang::En) => $en, (Msg::$key, Lang::Ja) => $ja,)*
                }
            }
        }
    };
}

messages! {
    AppName => "Homeward", "Homeward（帰還）";
    SkipToContent => "Skip to content", "本文へ移動";
    SignIn => "Sign in", "サインイン";
    SignOut => "Sign out", "サインアウト";
    Username => "User name", "ユーザー名";
    Password => "Password", "パスワード";
    WrongPassword => "The user name or password is wrong.", "ユーザー名またはパスワードが正しくありません。";
    SignInThrottled => "Too many failed sign-ins. Wait a moment and try again.", "サインインの失敗が多すぎます。しばらく待ってから再度お試しください。";
    AccountLocked => "This account is locked after too many failed sign-ins. Ask an administrator to unlock it.", "サインインの失敗が多すぎるため、このアカウントはロックされています。管理者にロック解除を依頼してください。";
    Language => "Language", "言語";
    FollowBrowser => "Browser's language", "ブラウザの言語";
    Settings => "Settings", "設定";
    TimeZone => "Time zone", "タイムゾーン";
    LanguageDefault => "the language's default", "言語の既定";
    Save => "Save", "保存";
    Dashboard => "Dashboard", "ダッシュボード";
    Map => "Burial sites map", "埋葬地の地図";
    Sites => "Burial sites", "埋葬地";
    MapLegend => "Site status (untick to hide its sites on the map)", "埋葬地の状態（チェックを外すと地図上で非表示）";
    MapShown => "{shown} of {total} sites shown on the map.", "地図上に{total}か所中{shown}か所を表示しています。";
    MapCluster => "{n} burial sites: zoom in", "埋葬地{n}か所（拡大して表示）";
    Site => "Burial site", "埋葬地";
    Persons => "Persons", "人物";
    Person => "Person", "人物";
    Families => "Families", "家族";
    Family => "Family", "家族";
    Samples => "Samples", "試料";
    Sample => "Sample", "試料";
    Jobs => "Matching jobs", "照合ジョブ";
    Job => "Matching job", "照合ジョブ";
    Missions => "Missions", "派遣";
    Mission => "Mission", "派遣";
    Report => "Identification report", "身元確認報告書";
    PersonsByStatus => "Persons by status", "状態別の人数";
    Total => "Total", "合計";
    SitesCount => "Burial sites recorded", "登録された埋葬地";
    RecentActivity => "Recent status changes", "最近の状態変更";
    AuditLog => "Latest audit entries", "最新の監査記録";
    RunningJobs => "Jobs running", "実行中のジョブ";
    NoneYet => "None yet.", "まだありません。";
    Status => "Status", "状態";
    Name => "Name", "名前";
    Names => "Names", "名前（各表記）";
    Script => "Script", "文字";
    Kind => "Kind", "種別";
    Sex => "Sex", "性別";
    Born => "Born", "生年";
    Died => "Died", "没年";
    DeathPlace => "Place of death", "死亡地";
    Sources => "Sources", "出典";
    Timeline => "Status timeline", "状態の経過";
    From => "From", "前";
    To => "To", "後";
    Reason => "Reason", "理由";
    Actor => "By", "担当者";
    When => "When", "日時";
    Search => "Search", "検索";
    SearchPersons => "Search by name (kanji, kana or romaji)", "名前で検索（漢字・かな・ローマ字）";
    NoResults => "No one found.", "該当者はいません。";
    Coordinates => "Coordinates", "座標";
    EstimatedCount => "Estimated number buried", "推定埋葬数";
    Notes => "Notes", "備考";
    Relocation => "Relocation history", "移設の履歴";
    RelocatedTo => "Graves moved to", "移設先";
    NotRelocated => "Not relocated.", "移設されていません。";
    LinkedPersons => "Linked persons", "関連する人物";
    Remains => "Remains recovered", "収容された遺骨";
    SkeletalElement => "Skeletal element", "部位";
    RecoveryDate => "Recovered", "収容日";
    Lab => "Laboratory", "検査機関";
    Typed => "Profile reported", "型判定済み";
    Yes => "Yes", "はい";
    No => "No", "いいえ";
    Custody => "Chain of custody", "保管の連鎖（CoC）";
    Event => "Event", "事象";
    Who => "Who", "担当";
    Location => "Location", "場所";
    Liaison => "Liaison", "連絡担当";
    Members => "Members", "構成員";
    Pedigree => "Pedigree", "家系図";
    PedigreeLegend => "Squares: men; circles: women; diamonds: unknown; a slash: deceased; orange: the missing person; a dot: gave a reference sample.", "四角：男性、丸：女性、ひし形：不明、斜線：死亡、橙色：行方不明者、黒点：参照試料の提供者。";
    References => "Reference samples and consent", "参照試料と同意";
    Donor => "Donor", "提供者";
    Kit => "Kit", "キット";
    Consent => "Consent", "同意";
    ConsentGiven => "given", "同意済み";
    ConsentWithdrawn => "withdrawn", "撤回";
    Missing => "Missing person", "行方不明者";
    Alive => "Alive", "存命";
    Deceased => "Deceased", "死亡";
    StartJob => "Start a matching job", "照合ジョブを開始";
    MinLog10Lr => "Candidates from LR 10^", "候補とするLRの下限（10の何乗）";
    TopCandidates => "Best candidates kept per sample and per missing person", "試料ごと・行方不明者ごとに残す候補数";
    StrOnly => "none: STRs only", "なし（STRのみ）";
    SnpGenotypeError => "Genotyping error of SNP calls", "SNP判定の誤り率";
    Progress => "Progress", "進捗";
    Candidates => "Candidates", "候補";
    ShownCandidates => "The pairs with the highest LR are listed (all of them: /api/v1/jobs/{id}/candidates):", "尤度比の高い組を表示しています（全件は /api/v1/jobs/{id}/candidates）：";
    SampleNext => "Who to sample next", "次に試料提供をお願いする方";
    AdviceExplain => "For each living relative who has not given a sample: the chance that their sample, added to the references given so far, gives a true identification an LR above 10,000 (simulated from the family's pedigree and the references' profiles; 300 runs, seed 1), the median log10 LR, and the probability that an unrelated person would be excluded.", "まだ試料を提供していない存命の親族ごとに、これまでの参照試料に加えた場合に真の身元確認で尤度比が10,000を超える確率（家系図と参照試料のプロファイルからのシミュレーション、300回、シード1）、log10尤度比の中央値、無関係の人が除外される確率を示します。";
    ReferencesSoFar => "References given so far", "提供済みの参照試料のみ";
    Relative => "Relative", "親族";
    ChanceConclusive => "P(LR > 10,000)", "P(尤度比 > 10,000)";
    MedianLog10Lr => "Median log10 LR", "log10尤度比の中央値";
    ExclusionPower => "Exclusion power", "排除率";
    AdviceComputing => "The advice is being computed from the family's pedigree and references; this page updates itself when it is ready.", "家系図と参照試料から助言を計算しています。完成するとこのページは自動的に更新されます。";
    Refresh => "Refresh", "再読み込み";
    NoCandidates => "No living relative without a sample is recorded in this family.", "この家族には、試料を提供していない存命の親族が記録されていません。";
    NoMissingMember => "This family has no missing member.", "この家族には行方不明者が記録されていません。";
    NoMatchingSettings => "Allele frequencies are not configured on this server (setting `frequencies`).", "このサーバーにはアレル頻度が設定されていません（設定 `frequencies`）。";
    Candidate => "Candidate", "候補";
    Lr => "Likelihood ratio (LR)", "尤度比（LR）";
    Posterior => "Posterior probability", "事後確率";
    PosteriorNote => "prior", "事前確率";
    JointPosterior => "Joint posterior", "同時事後確率";
    JointPosteriorNote => "Over every assignment of the samples and families that this job's candidates with LR ≥ 100 connect to this pair (several missing members, or samples matching several families); pairings with LR below 100 outside the hypotheses; flat prior over assignments.", "本ジョブのLR 100以上の候補がこの組に結び付ける試料と家族のすべての割り当てにわたる値（複数の行方不明者、または複数の家族に一致する試料）。LR 100未満の組は仮説の外。割り当てに一様な事前確率を置く。";
    JointBound => "posterior mass not enumerated at most", "列挙されなかった事後確率の上限";
    Exclusions => "Exclusions", "排除座位数";
    Marker => "Marker", "座位";
    MarkerLr => "LR of the marker", "座位ごとのLR";
    Inconsistent => "inconsistent", "不一致";
    PerMarker => "Evidence marker by marker", "座位ごとの証拠";
    PerChromosome => "SNP evidence chromosome by chromosome (linked SNPs, Lander–Green chain)", "染色体ごとのSNPの証拠（連鎖SNP、Lander–Green法）";
    SnpPanel => "SNP panel", "SNPパネル";
    Chromosome => "Chromosome", "染色体";
    Snps => "SNPs", "SNP数";
    ChromosomeLr => "LR of the chromosome", "染色体ごとのLR";
    AllChromosomes => "All chromosomes", "全染色体";
    Karyogram => "Segments shared by descent if the sample is the missing person (most probable IBD state)", "試料が行方不明者である場合に共有する同祖領域（最も確からしいIBD状態）";
    IbdWith => "IBD with", "IBD：";
    Ibd0 => "IBD 0 (nothing shared)", "IBD 0（共有なし）";
    Ibd1 => "IBD 1 (one copy shared)", "IBD 1（1コピー共有）";
    Ibd2 => "IBD 2 (both copies shared)", "IBD 2（2コピー共有）";
    ProposeIdentification => "Propose identification", "身元確認を提案";
    CannotPropose => "The missing member is not linked to a registry person, or the family has no reference with consent.", "行方不明の構成員が人物に結び付いていないか、同意のある参照試料がありません。";
    Identification => "Identification", "身元確認";
    Reviews => "Reviews", "審査";
    Reviewer => "Reviewer", "審査者";
    Decision => "Decision", "判断";
    Comment => "Comment", "コメント";
    Confirm => "Confirm", "確認";
    Reject => "Reject", "却下";
    SubmitReview => "Record my decision", "判断を記録";
    TwoReviewers => "Two different reviewers must confirm.", "異なる2名の審査者の確認が必要です。";
    // A mission's kind column (grave visit or recovery): 種類, where other kinds read 種別.
    MissionKind => "Kind", "種類";
    Start => "Start", "開始";
    End => "End", "終了";
    Participants => "Participants", "参加者";
    Permits => "Permits", "許可";
    Outcome => "Outcome", "成果";
    Itinerary => "Sites to visit", "訪問する埋葬地";
    DayPlans => "Itinerary by day", "日ごとの行程";
    NoDayPlan => "No itinerary planned yet (a mission planner plans it from the families' visit requests).", "行程はまだ作成されていません（派遣担当者が家族の訪問希望から作成します）。";
    DayNumber => "Day", "日目";
    Place => "Place", "場所";
    Depart => "Depart", "出発";
    Arrive => "Arrive", "到着";
    TravelMinutes => "Travel (min)", "移動（分）";
    VisitMinutes => "Visit (min)", "滞在（分）";
    NotPlanned => "Not in the plan", "行程に入らなかった埋葬地";
    PlannedBy => "Planned by", "作成者";
    Order => "Order", "順";
    Print => "Print", "印刷";
    DownloadPdf => "Download PDF", "PDF をダウンロード";
    Generated => "Generated", "作成日時";
    Forbidden => "Your role may not open this page.", "このページを開く権限がありません。";
    NotFound => "Not found.", "見つかりません。";
    Error => "Something went wrong.", "エラーが発生しました。";
    Role => "Role", "役割";
    Created => "Created", "作成";
    Finished => "Finished", "終了";
    Failed => "Failed", "失敗";
    Open => "Open", "開く";
    Identified => "identified", "身元確認済み";
    Previous => "Previous", "前へ";
    Next => "Next", "次へ";
    // Work queues and lists that page.
    YourWork => "Your work", "あなたの作業";
    RecordId => "Record", "記録番号";
    ReviewQueue => "Identifications awaiting your review", "あなたの審査を待つ身元確認";
    ReviewQueueNote => "Your own proposals and those you have decided are not listed. Other reviewers' decisions stay hidden until the identification is decided.", "自分の提案と審査済みのものは表示されません。他の審査者の判断は、身元確認が決まるまで表示されません。";
    CandidatesToPropose => "Candidates to propose", "提案を待つ候補";
    CandidatesToProposeNote => "The latest finished job's candidates with LR ≥ 10⁴ (or the range chosen) whose person and sample have no open identification.", "最新の完了ジョブの候補のうち LR ≥ 10⁴（または指定範囲）で、その人物と試料に未決の身元確認がないもの。";
    SamplesAwaitingTyping => "Samples awaiting typing", "型判定待ちの試料";
    NotificationsDue => "Families to notify", "通知が必要な家族";
    VisitsToArrange => "Visit requests to arrange", "手配が必要な訪問希望";
    MissionsToPlan => "Missions to plan", "行程未作成の派遣";
    ShowAll => "Show all", "すべて表示";
    Filter => "Filter", "絞り込む";
    MinLr => "LR at least (log₁₀)", "LR 下限（log₁₀）";
    MaxLr => "LR at most (log₁₀)", "LR 上限（log₁₀）";
    SortBy => "Order", "並び順";
    SortLrDesc => "strongest LR first", "LR の高い順";
    SortLrAsc => "weakest LR first", "LR の低い順";
    SortNewest => "newest first", "新しい順";
    SortOldest => "oldest first", "古い順";
    Any => "any", "すべて";
    Pages => "Pages", "ページ";
    ProposedBy => "Proposed by", "提案者";
    Visitors => "Visitors", "訪問者数";
    SitesInMission => "Sites", "埋葬地数";
    OpenIdentification => "This person and sample already have an open identification; it is decided there.", "この人物と試料には未決の身元確認があり、そちらで審査されます。";
    EarlierRejected => "An earlier identification of this person for this sample was rejected:", "この人物とこの試料の以前の身元確認は却下されました：";
    ReviewsHidden => "Other reviewers' decisions stay hidden until the identification is decided.", "他の審査者の判断は、身元確認が決まるまで表示されません。";
    // Forms.
    NewPerson => "New person", "人物を登録";
    EditPerson => "Edit person", "人物を編集";
    EditFamily => "Edit family", "家族を編集";
    AddMember => "Add a member", "構成員を追加";
    Father => "Father", "父";
    Mother => "Mother", "母";
    RegistryPerson => "Registry person (id, for a missing member)", "登録人物（ID、行方不明の構成員）";
    Edit => "Edit", "編集";
    EditMember => "Edit the member", "構成員を編集";
    NewFamily => "New family", "家族を登録";
    ExternalId => "External ID", "外部ID";
    LanguageTag => "Language tag (ja, ja-Latn, ko…)", "言語タグ（ja、ja-Latn、ko など）";
    DateHint => "YYYY, YYYY-MM or YYYY-MM-DD", "YYYY、YYYY-MM または YYYY-MM-DD";
    Latitude => "Latitude", "緯度";
    Longitude => "Longitude", "経度";
    Citation => "Citation", "出典";
    CurrentValues => "The record as it is now", "現在の記録";
    FormNotSaved => "Nothing was saved: correct the field marked below.", "保存されていません。下記の印のある項目を修正してください。";
    ChangedSinceOpened => "This record was changed by someone else since you opened it: nothing was saved. Your input is kept below, with the record as it is now; saving again replaces it with yours.", "この記録は、開いた後に他の人によって変更されたため、保存されていません。入力内容は下に残っており、現在の記録も表示しています。もう一度保存すると入力内容で置き換えます。";
    ContactDetails => "Contact details", "連絡先";
    PostalAddress => "Postal address", "住所";
    Phone => "Telephone", "電話番号";
    Email => "E-mail", "メールアドレス";
    VisitRequests => "Grave visit requests", "墓参の申込";
    RequestVisit => "Request a grave visit", "墓参を申し込む";
    VisitAlreadyRequested => "This family has already asked to visit this site; that request stands.", "この家族はこの埋葬地への墓参をすでに申し込んでいます（その申込は有効です）。";
    Mobility => "Mobility", "歩行の状況";
    MobilityWalks => "walks unaided", "自力で歩ける";
    MobilityLimited => "walks slowly or only short distances", "ゆっくり・短い距離なら歩ける";
    MobilityWheelchair => "needs a wheelchair", "車椅子が必要";
    WithdrawConsent => "Withdraw consent", "同意を撤回";
    WithdrawNote => "The reference's genotypes are erased and every identification resting on it is flagged.", "参照試料の型は消去され、それに基づく身元確認はすべて要再検討となります。";
    RecordCustody => "Record a custody event", "保管記録を追加";
    CustodyAt => "When (UTC, e.g. 2026-05-10T09:30:00Z; blank: now)", "日時（UTC、例 2026-05-10T09:30:00Z。空欄は現在）";
    // Statuses.
    StMissing => "missing", "行方不明";
    StLocated => "located", "所在判明";
    StRecovered => "recovered", "収容済み";
    StSampled => "sampled", "試料採取済み";
    StCandidate => "candidate", "候補あり";
    StIdentified => "identified", "身元確認済み";
    StReturned => "returned", "返還済み";
    SiteKnown => "known", "判明";
    SiteSurveyed => "surveyed", "調査済み";
    SiteInaccessible => "inaccessible", "立入困難";
    SiteFarmland => "farmland", "農地化";
    SiteRelocated => "relocated", "移設";
    SiteExhumed => "exhumed", "発掘済み";
    Male => "male", "男性";
    Female => "female", "女性";
    UnknownSex => "unknown", "不明";
    Proposed => "proposed", "提案中";
    Confirmed => "confirmed", "確定";
    Flagged => "flagged", "要再検討";
    FlaggedBecause => "why", "理由";
    Rejected => "rejected", "却下";
    Queued => "queued", "待機中";
    Running => "running", "実行中";
    Done => "done", "完了";
    NamePrimary => "as recorded", "原表記";
    NameTransliteration => "transliteration", "翻字";
    NameVariant => "variant", "異表記";
    Collected => "collected", "採取";
    Transferred => "transferred", "移送";
    Received => "received", "受領";
    Analysed => "analysed", "分析";
    ReturnedEvent => "returned", "返却";
    Destroyed => "destroyed", "廃棄";
    GraveVisit => "grave visit", "墓参";
    NewMission => "New mission", "派遣を計画";
    ParticipantsOnePerLine => "Participants (one a line: name — role)", "参加者（1行に1人：氏名 — 役割）";
    PlanItinerary => "Plan the itinerary", "行程を計画";
    PlanItineraryNote => "Every day of the mission's dates is used before a site is left out; the families' visit requests for its sites say who visits where. A new plan replaces the one shown.", "派遣期間のすべての日を使ってから地点を除外します。各地点への家族の墓参申請から訪問者を決めます。新しい計画は表示中の計画を置き換えます。";
    BasePoint => "Base (where each day starts: a hotel, an airport)", "拠点（毎日の出発地：宿舎、空港など）";
    Days => "Days (blank: from the mission's dates)", "日数（空欄：派遣期間から）";
    DayHours => "Hours a day (travel and visits)", "1日の時間（移動と訪問）";
    SpeedKmh => "Speed on the road (km/h)", "道路上の速度（km/h）";
    ReturnToBase => "Come back to the base every night", "毎晩拠点に戻る";
    Day => "Day", "日目";
    Channel => "How the family was told", "伝達方法";
    ChannelVisit => "visit", "訪問";
    ChannelLetter => "letter", "書面";
    ChannelPhone => "phone", "電話";
    ChannelEmail => "e-mail", "電子メール";
    RecordNotification => "Record that the family was told", "家族への通知を記録";
    Recovery => "recovery", "遺骨収集";
    // The identification report (report.rs).
    Draft => "DRAFT: not a confirmed identification", "草案：確定した身元確認ではありません";
    DraftMark => "DRAFT", "草案";
    Evidence => "Evidence", "証拠";
    DocumentaryGrounds => "documentary grounds (no DNA comparison)", "文書による根拠（DNA比較なし）";
    Id => "ID", "ID";
    Hypotheses => "Hypotheses compared", "比較した仮説";
    Prior => "Prior", "事前確率";
    Markers => "Markers", "マーカー";
    FrequencyTable => "Allele frequency table (SHA-256)", "アレル頻度表（SHA-256）";
    MutationModels => "Mutation models", "突然変異モデル";
    Engine => "Computed by", "計算プログラム";
    ForTheFamily => "For the family", "ご家族へ";
    Signatures => "Signatures", "署名";
    HeadOfLaboratory => "Head of laboratory", "鑑定責任者";
    RecomputedNow => "Recomputed now from the stored profiles under the job's recorded model", "保存されたプロファイルからジョブ記録のモデルで再計算";
    Reproduced => "the stored figure is reproduced (relative difference below 1e-9)", "保存値を再現（相対差 1e-9 未満）";
    NotReproduced => "NOT reproduced:", "再現されません：";
    RecomputeNeedsLab => "The LR can be recomputed from the stored profiles by a laboratory analyst or reviewer (homeward verify identification).", "LRは検査担当者または審査者が保存プロファイルから再計算できます（homeward verify identification）。";
}

pub fn person_status(s: registry::model::PersonStatus) -> Msg {
    use registry::model::PersonStatus::*;
    match s {
        Missing => Msg::StMissing,
        Located => Msg::StLocated,
        Recovered => Msg::StRecovered,
        Sampled => Msg::StSampled,
        Candidate => Msg::StCandidate,
        Identified => Msg::StIdentified,
        Returned => Msg::StReturned,
    }
}

pub fn site_status(s: registry::model::SiteStatus) -> Msg {
    use registry::model::SiteStatus::*;
    match s {
        Known => Msg::SiteKnown,
        Surveyed => Msg::SiteSurveyed,
        Inaccessible => Msg::SiteInaccessible,
        Farmland => Msg::SiteFarmland,
        Relocated => Msg::SiteRelocated,
        Exhumed => Msg::SiteExhumed,
    }
}

pub fn sex(s: registry::model::Sex) -> Msg {
    use registry::model::Sex::*;
    match s {
        Male => Msg::Male,
        Female => Msg::Female,
        Unknown => Msg::UnknownSex,
    }
}

pub fn name_kind(k: registry::model::NameKind) -> Msg {
    use registry::model::NameKind::*;
    match k {
        Primary => Msg::NamePrimary,
        Transliteration => Msg::NameTransliteration,
        Variant => Msg::NameVariant,
    }
}

pub fn custody_event(e: registry::CustodyEventKind) -> Msg {
    use registry::CustodyEventKind::*;
    match e {
        Collected => Msg::Collected,
        Transferred => Msg::Transferred,
        Received => Msg::Received,
        Analysed => Msg::Analysed,
        Returned => Msg::ReturnedEvent,
        Destroyed => Msg::Destroyed,
    }
}

/// A review's decision as stored ("confirm", "reject").
pub fn decision(stored: &str) -> Option<Msg> {
    match stored {
        "confirm" => Some(Msg::Confirm),
        "reject" => Some(Msg::Reject),
        _ => None,
    }
}

pub fn job_status(s: registry::JobStatus) -> Msg {
    use registry::JobStatus::*;
    match s {
        Queued => Msg::Queued,
        Running => Msg::Running,
        Done => Msg::Done,
        Failed => Msg::Failed,
    }
}

pub fn identification_status(s: registry::IdentificationStatus) -> Msg {
    use registry::IdentificationStatus::*;
    match s {
        Proposed => Msg::Proposed,
        Confirmed => Msg::Confirmed,
        Flagged => Msg::Flagged,
        Rejected => Msg::Rejected,
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A partial date as the reader writes dates: "11 February 1946" / "1946年（昭和21年）2月11日",
/// the Japanese era beside the Western year.
pub fn date(lang: Lang, d: PartialDate) -> String {
    match lang {
        Lang::Ja => {
            let year = match era_years(d) {
                Some(era) => format!("{}年（{era}）", d.year),
                None => format!("{}年", d.year),
            };
            match (d.month, d.day) {
                (Some(m), Some(day)) => format!("{year}{m}月{day}日"),
                (Some(m), None) => format!("{year}{m}月"),
                _ => year,
            }
        }
        Lang::En => {
            let month = |m: u8| MONTHS_EN.get(usize::from(m).wrapping_sub(1)).copied().unwrap_or("?");
            match (d.month, d.day) {
                (Some(m), Some(day)) => format!("{day} {} {}", month(m), d.year),
                (Some(m), None) => format!("{} {}", month(m), d.year),
                _ => d.year.to_string(),
            }
        }
    }
}

/// The Japanese eras since Meiji: name and first day (Gregorian). Before Meiji's first day
/// (1868-01-25, the first day of Keiō 4 that Meiji was counted from) no era is written.
const ERAS: [(&str, (i32, u8, u8)); 5] = [
    ("明治", (1868, 1, 25)),
    ("大正", (1912, 7, 30)),
    ("昭和", (1926, 12, 25)),
    ("平成", (1989, 1, 8)),
    ("令和", (2019, 5, 1)),
];

/// The era year of a date ("昭和20年", year 1 as "元年"); a date that does not say which side of
/// an era's first day it falls on (a year or a month alone) gets both ("大正15年／昭和元年").
fn era_years(d: PartialDate) -> Option<String> {
    // The earliest and latest day the partial date can mean.
    let first = (d.year, d.month.unwrap_or(1), d.day.unwrap_or(1));
    let last = (d.year, d.month.unwrap_or(12), d.day.unwrap_or(31));
    let era_of = |day: (i32, u8, u8)| ERAS.iter().rev().find(|(_, start)| *start <= day);
    let written = |(name, (start_year, _, _)): &(&str, (i32, u8, u8))| {
        let n = d.year - start_year + 1;
        if n == 1 {
            format!("{name}元年")
        } else {
            format!("{name}{n}年")
        }
    };
    match (era_of(first), era_of(last)) {
        (Some(a), Some(b)) if a.0 == b.0 => Some(written(a)),
        (Some(a), Some(b)) => Some(format!("{}／{}", written(a), written(b))),
        (None, Some(b)) => Some(written(b)),
        _ => None,
    }
}

/// The time zone a reader reads instants in: the one they chose, else their language's default
/// (Japan Standard Time for Japanese readers, UTC for English). The IANA database is bundled in
/// the binary (crate `jiff`), daylight saving included. Stored instants are always UTC.
#[derive(Debug, Clone)]
pub struct Zone {
    tz: jiff::tz::TimeZone,
    name: String,
}

impl Zone {
    /// The zone of an IANA name ("Asia/Tokyo", "Europe/Madrid", "UTC"), if the database has it.
    pub fn named(name: &str) -> Option<Zone> {
        jiff::tz::db().get(name).ok().map(|tz| Zone {
            tz,
            name: name.to_owned(),
        })
    }

    /// A language's default zone.
    pub fn default_for(lang: Lang) -> Zone {
        let name = match lang {
            Lang::Ja => "Asia/Tokyo",
            Lang::En => "UTC",
        };
        Zone::named(name).unwrap_or_else(|| Zone {
            tz: jiff::tz::TimeZone::UTC,
            name: "UTC".to_owned(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every zone name the database has, sorted: the choices of the settings page.
    pub fn all_names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
        names.sort();
        names
    }
}

/// A registry instant (`YYYY-MM-DDTHH:MM:SS.mmmZ`) to the minute, in the reader's zone (with its
/// abbreviation at that instant: JST, CET or CEST, …) and the reader's form.
pub fn instant(lang: Lang, zone: &Zone, at: &str) -> String {
    let Ok(ts) = at.parse::<jiff::Timestamp>() else {
        return at.to_owned();
    };
    let local = ts.to_zoned(zone.tz.clone());
    let abbreviation = zone.tz.to_offset_info(ts).abbreviation().to_owned();
    let day = PartialDate {
        year: i32::from(local.year()),
        month: u8::try_from(local.month()).ok(),
        day: u8::try_from(local.day()).ok(),
    };
    format!(
        "{} {:02}:{:02} {abbreviation}",
        date(lang, day),
        local.hour(),
        local.minute()
    )
}

/// An integer with thousands separators (both languages group by three with commas).
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Which rows of how many a page shows: "Showing 51–100 of 596", "596 件中 51–100 件を表示".
/// A count that stopped (`capped`) reads "1,000+".
pub fn showing(lang: Lang, first: i64, last: i64, total: i64, capped: bool) -> String {
    let plus = if capped { "+" } else { "" };
    let (first, last, total) = (number(first), number(last), format!("{}{plus}", number(total)));
    match lang {
        Lang::En => format!("Showing {first}–{last} of {total}"),
        Lang::Ja => format!("{total} 件中 {first}–{last} 件を表示"),
    }
}

/// A posterior as every page prints it: six decimals, and never "1.000000" or "0.000000" for one
/// that is not exactly that.
pub fn posterior_text(p: f64) -> String {
    match p {
        p if p > 0.999_999 && p < 1.0 => "> 0.999999".to_owned(),
        p if p >= 1.0 => "1".to_owned(),
        p if p > 0.0 && p < 0.000_001 => "< 0.000001".to_owned(),
        p if p <= 0.0 => "0".to_owned(),
        p => format!("{p:.6}"),
    }
}

/// A likelihood ratio from its log10 as a number and, when large or small, a power of ten:
/// (`"3.16"`, `Some(9)`) for 3.16 × 10^9; plainly ("249") from 0.001 to 10,000.
fn lr_parts(log10_lr: f64) -> (String, Option<f64>) {
    if log10_lr == f64::NEG_INFINITY {
        return ("0".to_owned(), None);
    }
    if !log10_lr.is_finite() {
        return ("∞".to_owned(), None);
    }
    if (-3.0..4.0).contains(&log10_lr) {
        let lr = 10f64.powf(log10_lr);
        return (((lr * 1000.0).round() / 1000.0).to_string(), None);
    }
    let exponent = log10_lr.floor();
    let mantissa = 10f64.powf(log10_lr - exponent);
    (format!("{mantissa:.2}"), Some(exponent))
}

/// A likelihood ratio from its log10, as HTML: "3.16 × 10<sup>9</sup>", or plainly when small.
pub fn lr_html(log10_lr: f64) -> Markup {
    match lr_parts(log10_lr) {
        (number, None) => html! { (number) },
        (mantissa, Some(exponent)) => html! { (mantissa) " × 10" sup { (exponent) } },
    }
}

/// The same as plain text, for print without markup: "3.16 × 10^9".
pub fn lr_text(log10_lr: f64) -> String {
    match lr_parts(log10_lr) {
        (number, None) => number,
        (mantissa, Some(exponent)) => format!("{mantissa} × 10^{exponent}"),
    }
}

/// A posterior as HTML: [`posterior_text`], the one way every page, report and list writes it.
pub fn probability_html(p: f64) -> Markup {
    html! { (posterior_text(p)) }
}

/// An identification's status as every page shows it: the word (with its `data-status` for
/// scripts and tests) and, for a flagged one, why it was flagged, as the registry recorded it.
pub fn identification_status_html(
    lang: Lang,
    status: registry::IdentificationStatus,
    flag_reason: Option<&str>,
) -> Markup {
    let reason = flag_reason.filter(|_| status == registry::IdentificationStatus::Flagged);
    html! {
        strong.identification-status data-status=(status.as_str()) { (lang.t(identification_status(status))) }
        @if let Some(reason) = reason {
            " " span.flag-reason { (lang.t(Msg::FlaggedBecause)) ": " (reason) }
        }
    }
}

/// The same as plain text: the word, and why it was flagged.
pub fn identification_status_text(
    lang: Lang,
    status: registry::IdentificationStatus,
    flag_reason: Option<&str>,
) -> String {
    let word = lang.t(identification_status(status));
    match flag_reason.filter(|_| status == registry::IdentificationStatus::Flagged) {
        Some(reason) => format!("{word} {}: {reason}", lang.t(Msg::FlaggedBecause)),
        None => word.to_owned(),
    }
}

/// How well the reader reads a script: lower first.
fn script_rank(lang: Lang, script: &str) -> u8 {
    let japanese = match script {
        "Jpan" | "Hani" => 0,
        "Kana" | "Hira" | "Hrkt" => 1,
        "Latn" => 2,
        _ => 3,
    };
    match lang {
        Lang::Ja => japanese,
        Lang::En => match japanese {
            2 => 0,
            0 => 1,
            1 => 2,
            other => other,
        },
    }
}

/// Names in the order the reader prefers: the first is shown large, the others beside it.
pub fn names_in_order(lang: Lang, names: &[Name]) -> Vec<&Name> {
    let mut ordered: Vec<&Name> = names.iter().collect();
    // Stable: primary names before variants within one script.
    ordered.sort_by_key(|n| {
        (
            script_rank(lang, &n.script),
            matches!(n.kind, registry::model::NameKind::Variant),
        )
    });
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;
    use registry::model::NameKind;

    #[test]
    fn every_message_has_both_languages() {
        for m in Msg::ALL {
            assert!(!m.text(Lang::En).is_empty() && !m.text(Lang::Ja).is_empty(), "{m:?}");
        }
        assert_ne!(Msg::SignIn.text(Lang::En), Msg::SignIn.text(Lang::Ja));
    }

    #[test]
    fn accept_language_picks_the_best_language_we_have() {
        assert_eq!(Lang::from_accept_language("ja,en;q=0.8"), Some(Lang::Ja));
        assert_eq!(Lang::from_accept_language("fr, en-GB;q=0.5, ja;q=0.9"), Some(Lang::Ja));
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("ja;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(Lang::from_accept_language("fr"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }

    #[test]
    fn dates_and_numbers_follow_the_locale() {
        let d: PartialDate = "1945-03-17".parse().unwrap();
        assert_eq!(date(Lang::En, d), "17 March 1945");
        assert_eq!(date(Lang::Ja, d), "1945年（昭和20年）3月17日");
        assert_eq!(date(Lang::Ja, "1944-07".parse().unwrap()), "1944年（昭和19年）7月");
        assert_eq!(date(Lang::En, "1944".parse().unwrap()), "1944");
        // By default Japanese readers see Japan Standard Time, the day rolling over; English readers UTC.
        let (ja, en) = (Zone::default_for(Lang::Ja), Zone::default_for(Lang::En));
        assert_eq!(
            instant(Lang::Ja, &ja, "2026-11-28T18:04:05.000Z"),
            "2026年（令和8年）11月29日 03:04 JST"
        );
        assert_eq!(
            instant(Lang::En, &en, "2026-11-28T18:04:05.000Z"),
            "28 November 2026 18:04 UTC"
        );
        assert_eq!(
            instant(Lang::Ja, &ja, "2024-12-31T15:00:00.000Z"),
            "2025年（令和7年）1月1日 00:00 JST"
        );
        assert_eq!(instant(Lang::Ja, &ja, "not a time"), "not a time");
        // A chosen zone, daylight saving included.
        let madrid = Zone::named("Europe/Madrid").unwrap();
        assert_eq!(
            instant(Lang::En, &madrid, "2026-01-15T12:00:00.000Z"),
            "15 January 2026 13:00 CET"
        );
        assert_eq!(
            instant(Lang::En, &madrid, "2026-07-15T12:00:00.000Z"),
            "15 July 2026 14:00 CEST"
        );
        let seoul = Zone::named("Asia/Seoul").unwrap();
        assert_eq!(
            instant(Lang::En, &seoul, "2026-07-15T12:00:00.000Z"),
            "15 July 2026 21:00 KST"
        );
        assert!(Zone::named("Mars/Olympus_Mons").is_none());
        assert!(Zone::all_names().iter().any(|n| n == "Asia/Tokyo"));
        assert_eq!(number(20000), "20,000");
        assert_eq!(number(-1234567), "-1,234,567");
        assert_eq!(number(999), "999");
        assert_eq!(lr_html(9.5).into_string(), "3.16 × 10<sup>9</sup>");
        assert_eq!(lr_html(0.0).into_string(), "1");
    }

    #[test]
    fn the_japanese_era_stands_beside_the_year() {
        let ja = |d: &str| date(Lang::Ja, d.parse().unwrap());
        assert_eq!(ja("1868-01-24"), "1868年1月24日", "before Meiji: no era");
        assert_eq!(ja("1868-01-25"), "1868年（明治元年）1月25日");
        assert_eq!(ja("1912-07-29"), "1912年（明治45年）7月29日");
        assert_eq!(ja("1912-07-30"), "1912年（大正元年）7月30日");
        assert_eq!(
            ja("1926"),
            "1926年（大正15年／昭和元年）",
            "a year alone may fall either side"
        );
        assert_eq!(ja("1926-12"), "1926年（大正15年／昭和元年）12月");
        assert_eq!(ja("1926-11"), "1926年（大正15年）11月");
        assert_eq!(ja("1946-02-11"), "1946年（昭和21年）2月11日");
        assert_eq!(ja("1989-01-07"), "1989年（昭和64年）1月7日");
        assert_eq!(ja("1989-01-08"), "1989年（平成元年）1月8日");
        assert_eq!(ja("2019-05-01"), "2019年（令和元年）5月1日");
        assert_eq!(ja("1850"), "1850年");
        assert_eq!(date(Lang::En, "1946-02-11".parse().unwrap()), "11 February 1946");
    }

    #[test]
    fn names_come_in_the_readers_script_first() {
        let n = |t: &str, s: &str| Name::new(t, s, None, NameKind::Transliteration).unwrap();
        let names = vec![
            n("Yamada Taro", "Latn"),
            n("やまだ たろう", "Kana"),
            n("山田太郎", "Jpan"),
        ];
        let ja: Vec<_> = names_in_order(Lang::Ja, &names)
            .iter()
            .map(|n| n.text.as_str())
            .collect();
        assert_eq!(ja, ["山田太郎", "やまだ たろう", "Yamada Taro"]);
        let en: Vec<_> = names_in_order(Lang::En, &names)
            .iter()
            .map(|n| n.text.as_str())
            .collect();
        assert_eq!(en, ["Yamada Taro", "山田太郎", "やまだ たろう"]);
    }
}
