"""Text of sales and support e-mails in English, Japanese, German and French.

Placeholders: {c_first} {c_last} {c_name} (customer), {r_first} {r_last} {r_name} (Acme employee),
{company}, {order}. Japanese text uses JIS X 0208 characters only (ISO-2022-JP and cp932 safe).
"""

from __future__ import annotations

from types import MappingProxyType


def _lines(*lines: str) -> str:
    return "\n".join(lines)


SALES_TOPICS = ("outreach", "inquiry", "meeting", "proposal", "negotiation")
SUPPORT_TOPICS = ("login", "dashboard", "invoice", "export", "connector", "refund", "seats")


# Subject lines per language and topic (one is picked per thread).
SUBJECTS = MappingProxyType(
    {
        "en": {
            "outreach": (
                "Acme Analytics for {company}",
                "Quick question about reporting at {company}",
                "Customer analytics at {company}",
            ),
            "inquiry": (
                "Demo request",
                "Question about pricing",
                "Request for a quote",
            ),
            "meeting": (
                "Meeting request: Acme Analytics demo",
                "Follow-up on our call",
            ),
            "proposal": (
                "Proposal for {company}",
                "Your Acme Analytics proposal",
            ),
            "negotiation": (
                "Updated pricing for {company}",
                "Order form and next steps",
            ),
            "login": (
                "Cannot log in to my account",
                "Password reset link not working",
            ),
            "dashboard": (
                "Dashboard not loading",
                "Charts show no data since yesterday",
            ),
            "invoice": (
                "Question about the invoice for order {order}",
                "Invoice {order}: wrong billing address",
            ),
            "export": (
                "How do I export data to CSV?",
                "Export to Excel",
            ),
            "connector": (
                "Connector sync failing",
                "Salesforce connector error",
            ),
            "refund": (
                "Refund request for order {order}",
                "Cancel order {order}",
            ),
            "seats": (
                "Adding more seats",
                "How to add users to our plan",
            ),
        },
        "ja": {
            "outreach": (
                "Acme Analyticsのご紹介",
                "{company}様 データ活用についてのご相談",
            ),
            "inquiry": (
                "デモのお申し込み",
                "料金についての質問",
                "お見積りのお願い",
            ),
            "meeting": (
                "打ち合わせ日程のご相談",
                "先日のお打ち合わせのお礼",
            ),
            "proposal": (
                "{company}様 ご提案書の送付",
                "ご提案内容について",
            ),
            "negotiation": (
                "お見積り金額の件",
                "ご契約手続きについて",
            ),
            "login": (
                "ログインできません",
                "パスワード再設定のメールが届きません",
            ),
            "dashboard": (
                "ダッシュボードが表示されない",
                "昨日からグラフにデータが出ません",
            ),
            "invoice": (
                "注文{order}の請求書について",
                "請求書の宛名変更のお願い",
            ),
            "export": (
                "CSVでのエクスポート方法",
                "データの書き出しについて",
            ),
            "connector": (
                "データ連携のエラーについて",
                "同期が失敗します",
            ),
            "refund": (
                "注文{order}の返金のお願い",
                "注文のキャンセルについて",
            ),
            "seats": (
                "ユーザー追加の方法",
                "ライセンス追加について",
            ),
        },
        "de": {
            "outreach": (
                "Acme Analytics für {company}",
                "Kurze Frage zum Reporting bei {company}",
            ),
            "inquiry": (
                "Anfrage für eine Demo",
                "Frage zu den Preisen",
            ),
            "meeting": (
                "Terminvorschlag: Demo von Acme Analytics",
                "Nachbereitung unseres Gesprächs",
            ),
            "proposal": (
                "Angebot für {company}",
                "Ihr Angebot von Acme Analytics",
            ),
            "negotiation": (
                "Überarbeitetes Angebot für {company}",
                "Bestellformular und nächste Schritte",
            ),
            "login": (
                "Anmeldung nicht möglich",
                "Link zum Zurücksetzen des Passworts funktioniert nicht",
            ),
            "dashboard": (
                "Dashboard lädt nicht",
                "Diagramme zeigen keine Daten",
            ),
            "invoice": (
                "Frage zur Rechnung für Bestellung {order}",
                "Rechnungsadresse ändern",
            ),
            "export": (
                "Wie exportiere ich Daten als CSV?",
                "Export nach Excel",
            ),
            "connector": (
                "Synchronisierung schlägt fehl",
                "Fehler beim Konnektor",
            ),
            "refund": (
                "Erstattung für Bestellung {order}",
                "Bestellung {order} stornieren",
            ),
            "seats": (
                "Weitere Lizenzen hinzufügen",
                "Benutzer hinzufügen",
            ),
        },
        "fr": {
            "outreach": (
                "Acme Analytics pour {company}",
                "Question rapide sur le reporting chez {company}",
            ),
            "inquiry": (
                "Demande de démo",
                "Question sur les tarifs",
            ),
            "meeting": (
                "Proposition de rendez-vous : démo Acme Analytics",
                "Suite à notre échange",
            ),
            "proposal": (
                "Proposition pour {company}",
                "Votre proposition Acme Analytics",
            ),
            "negotiation": (
                "Tarifs révisés pour {company}",
                "Bon de commande et prochaines étapes",
            ),
            "login": (
                "Impossible de me connecter",
                "Le lien de réinitialisation ne fonctionne pas",
            ),
            "dashboard": (
                "Le tableau de bord ne s'affiche pas",
                "Les graphiques sont vides",
            ),
            "invoice": (
                "Question sur la facture de la commande {order}",
                "Changer l'adresse de facturation",
            ),
            "export": (
                "Comment exporter les données en CSV ?",
                "Export vers Excel",
            ),
            "connector": (
                "Échec de la synchronisation",
                "Erreur du connecteur",
            ),
            "refund": (
                "Demande de remboursement pour la commande {order}",
                "Annuler la commande {order}",
            ),
            "seats": (
                "Ajouter des licences",
                "Ajouter des utilisateurs",
            ),
        },
    }
)

# First message of a thread, by topic.
OPENERS = MappingProxyType(
    {
        "en": {
            "outreach": _lines(
                "I noticed that {company} has been growing quickly, and teams like yours often spend hours",
                "stitching together reports from CRM, web and support data.",
                "",
                "Acme Analytics gives you one customer view with dashboards that update themselves.",
                "Would you have 20 minutes next week for a short call?",
            ),
            "inquiry": _lines(
                "We are evaluating tools for customer analytics and would like to see a demo.",
                "We have about 25 people who would use the dashboards.",
                "Could you also send us your current pricing?",
            ),
            "meeting": _lines(
                "Thank you for your time today. As promised, here is a summary of what we discussed:",
                "- a single view of customers across CRM, web and support",
                "- weekly NPS and cohort reports",
                "",
                "Would Tuesday or Thursday work for a demo with your team?",
            ),
            "proposal": _lines(
                "Please find below our proposal for {company}:",
                "",
                "  Acme Analytics Pro, annual subscription",
                "  Onboarding and training included",
                "",
                "The offer is valid for 30 days. Let me know if you have any questions.",
            ),
            "negotiation": _lines(
                "Thank you for your feedback on the proposal. I spoke with my manager and we can offer",
                "a 10% discount if the order is signed before the end of the month.",
                "I attached the updated order form.",
            ),
            "login": _lines(
                "Since this morning I cannot log in to my account. The page says that my password is wrong,",
                "but I reset it twice already. Can you help?",
            ),
            "dashboard": _lines(
                "Our main dashboard has not been loading since yesterday. It shows a spinner and then an",
                "error message. Other users on our team see the same problem.",
            ),
            "invoice": _lines(
                "I have a question about the invoice for order {order}. The billing address is not correct,",
                "could you send a corrected invoice?",
            ),
            "export": _lines(
                "How can I export the data behind a chart to CSV? I could not find the option in the menu.",
            ),
            "connector": _lines(
                "The CRM connector stopped syncing two days ago. The status page shows 'authentication",
                "failed'. We did not change anything on our side.",
            ),
            "refund": _lines(
                "We ordered by mistake twice (order {order}). Could you please refund the second order?",
            ),
            "seats": "We would like to add five more users to our plan. What is the best way to do that?",
        },
        "ja": {
            "outreach": _lines(
                "{company}様では顧客データの活用を進めていらっしゃると伺い、ご連絡いたしました。",
                "Acme AnalyticsはCRM、Webサイト、サポートのデータを一つにまとめ、",
                "ダッシュボードで自動的に可視化するサービスです。",
                "来週、30分ほどオンラインでご説明のお時間をいただけませんでしょうか。",
            ),
            "inquiry": _lines(
                "顧客分析ツールを検討しており、デモを拝見したくご連絡しました。",
                "利用予定のユーザーは20名ほどです。",
                "あわせて料金表もお送りいただけますと幸いです。",
            ),
            "meeting": _lines(
                "本日はお忙しいところお時間をいただき、誠にありがとうございました。",
                "ご説明した内容を簡単にまとめますと、以下のとおりです。",
                "・顧客情報の一元化",
                "・NPSとコホート分析の定期レポート",
                "",
                "次回、チームの皆様向けのデモの日程をご相談させてください。",
            ),
            "proposal": _lines(
                "{company}様向けのご提案内容をお送りいたします。",
                "",
                "  Acme Analytics Pro 年間契約",
                "  導入支援とトレーニングを含みます",
                "",
                "本お見積りの有効期限は30日間です。ご不明な点がございましたらお知らせください。",
            ),
            "negotiation": _lines(
                "ご提案へのご意見をいただきありがとうございます。",
                "社内で検討した結果、今月中にご契約いただける場合は10%のお値引きが可能です。",
                "修正した注文書をお送りいたします。",
            ),
            "login": _lines(
                "今朝からアカウントにログインできなくなりました。",
                "パスワードを2回再設定しましたが、エラーが表示されます。ご確認をお願いできますでしょうか。",
            ),
            "dashboard": _lines(
                "昨日からメインのダッシュボードが表示されません。",
                "読み込み中のままエラーになります。チームの他のメンバーも同じ状況です。",
            ),
            "invoice": _lines(
                "注文{order}の請求書について質問があります。",
                "請求先の住所が誤っているため、再発行をお願いできますか。",
            ),
            "export": "グラフのデータをCSVで書き出す方法を教えてください。メニューに見当たりませんでした。",
            "connector": _lines(
                "二日前からCRMとのデータ連携が停止しています。",
                "ステータスには「認証エラー」と表示されますが、こちらでは設定を変更していません。",
            ),
            "refund": _lines(
                "誤って同じ注文を二重にしてしまいました（注文{order}）。",
                "二つ目の注文の返金をお願いできますでしょうか。",
            ),
            "seats": "現在のプランにユーザーを5名追加したいと考えています。手続きの方法を教えてください。",
        },
        "de": {
            "outreach": _lines(
                "{company} wächst schnell, und Teams wie Ihres verbringen oft Stunden damit, Berichte aus",
                "CRM-, Web- und Supportdaten zusammenzustellen.",
                "",
                "Hätten Sie nächste Woche 20 Minuten Zeit für ein kurzes Gespräch?",
            ),
            "inquiry": _lines(
                "Wir suchen ein Werkzeug für Kundenanalysen und würden gern eine Demo sehen.",
                "Können Sie uns auch Ihre aktuelle Preisliste schicken?",
            ),
            "meeting": _lines(
                "Vielen Dank für das Gespräch heute. Passt Ihnen Dienstag oder Donnerstag für eine Demo",
                "mit Ihrem Team?",
            ),
            "proposal": _lines(
                "anbei unser Angebot für {company}: Acme Analytics Pro, Jahresabonnement, inklusive",
                "Einführung und Schulung. Das Angebot gilt 30 Tage.",
            ),
            "negotiation": _lines(
                "Danke für Ihre Rückmeldung. Bei Unterzeichnung bis Monatsende können wir Ihnen",
                "10 % Rabatt gewähren. Das überarbeitete Bestellformular liegt bei.",
            ),
            "login": _lines(
                "Seit heute Morgen kann ich mich nicht mehr anmelden. Ich habe das Passwort schon zweimal",
                "zurückgesetzt. Können Sie helfen?",
            ),
            "dashboard": "Unser Dashboard lädt seit gestern nicht mehr. Es erscheint nur eine Fehlermeldung.",
            "invoice": _lines(
                "Ich habe eine Frage zur Rechnung für Bestellung {order}. Die Rechnungsadresse ist falsch.",
            ),
            "export": "Wie kann ich die Daten eines Diagramms als CSV exportieren?",
            "connector": _lines(
                "Der CRM-Konnektor synchronisiert seit zwei Tagen nicht "
                "mehr (Authentifizierung fehlgeschlagen).",
            ),
            "refund": _lines(
                "Wir haben versehentlich doppelt bestellt (Bestellung "
                "{order}). Bitte erstatten Sie die zweite.",
            ),
            "seats": "Wir möchten fünf weitere Benutzer hinzufügen. Wie geht das am besten?",
        },
        "fr": {
            "outreach": _lines(
                "{company} se développe rapidement, et les équipes comme la vôtre passent souvent des heures",
                "à assembler des rapports issus du CRM, du site web et du support.",
                "",
                "Auriez-vous 20 minutes la semaine prochaine pour un court échange ?",
            ),
            "inquiry": _lines(
                "Nous étudions des outils d'analyse client et aimerions voir une démo.",
                "Pourriez-vous aussi nous envoyer vos tarifs ?",
            ),
            "meeting": _lines(
                "Merci pour votre temps aujourd'hui. Mardi ou jeudi vous conviendrait-il pour une démo",
                "avec votre équipe ?",
            ),
            "proposal": _lines(
                "Veuillez trouver ci-dessous notre proposition pour {company} : Acme Analytics Pro,",
                "abonnement annuel, formation incluse. L'offre est valable 30 jours.",
            ),
            "negotiation": _lines(
                "Merci pour votre retour. Nous pouvons proposer une remise de 10 % pour une signature",
                "avant la fin du mois. Le bon de commande révisé est joint.",
            ),
            "login": _lines(
                "Depuis ce matin je ne peux plus me connecter. J'ai déjà "
                "réinitialisé mon mot de passe deux fois.",
            ),
            "dashboard": (
                "Notre tableau de bord ne se charge plus depuis hier. Un message d'erreur s'affiche."
            ),
            "invoice": _lines(
                "J'ai une question sur la facture de la commande {order} "
                ": l'adresse de facturation est erronée.",
            ),
            "export": "Comment exporter en CSV les données d'un graphique ?",
            "connector": _lines(
                "Le connecteur CRM ne se synchronise plus depuis deux jours (échec d'authentification).",
            ),
            "refund": _lines(
                "Nous avons commandé deux fois par erreur (commande "
                "{order}). Merci de rembourser la seconde.",
            ),
            "seats": "Nous souhaitons ajouter cinq utilisateurs à notre abonnement. Comment faire ?",
        },
    }
)

# Later messages: Acme side, customer side, customer closing note (variants).
REPLIES = MappingProxyType(
    {
        "en": {
            "acme": (
                _lines(
                    "Thank you for your message.",
                    "From our side, everything looks fine. Could you try again and tell me",
                    "if the problem persists?",
                ),
                _lines(
                    "Thanks for getting back to me. I have checked this with our team",
                    "and will send you the details by tomorrow.",
                ),
                "Good news: the issue has been fixed. Please let us know if you still see any problem.",
                "Happy to help. I have set this up for you; you should see the change within an hour.",
                _lines(
                    "Thanks for your reply. I would be happy to walk you through the details.",
                    "Would a 30-minute call next week work for you?",
                ),
            ),
            "customer": (
                _lines(
                    "Thanks for the quick answer.",
                    "From what I can see, the problem started after the last update.",
                    "Could you have another look?",
                ),
                "Thank you. That sounds good, let's go ahead.",
                "I tried again but it still does not work. Could we have a short call?",
                "Thanks, I will discuss this with my team and come back to you.",
            ),
            "closing": (
                "Thanks, that solved it!",
                "All good now, thank you for your help.",
                "Perfect, thank you. You can close this.",
            ),
        },
        "ja": {
            "acme": (
                _lines(
                    "ご連絡ありがとうございます。",
                    "こちらで確認したところ、設定に問題は見当たりませんでした。",
                    "お手数ですが、もう一度お試しいただけますでしょうか。",
                ),
                _lines(
                    "ご返信ありがとうございます。",
                    "担当チームに確認のうえ、明日までに詳細をご連絡いたします。",
                ),
                _lines(
                    "お待たせいたしました。問題は解消いたしました。",
                    "引き続き何かございましたらお知らせください。",
                ),
                "承知いたしました。こちらで設定を行いましたので、1時間ほどで反映されます。",
                _lines(
                    "ご返信ありがとうございます。",
                    "詳細を改めてご説明したく、来週30分ほどお時間をいただけますでしょうか。",
                ),
            ),
            "customer": (
                _lines(
                    "早速のご回答ありがとうございます。",
                    "前回のアップデート以降に問題が起きているようです。",
                    "再度ご確認いただけますでしょうか。",
                ),
                "ありがとうございます。その内容で進めてください。",
                "再度試しましたが、まだ解決しておりません。一度お電話でご相談できますか。",
                "ありがとうございます。社内で検討のうえ、改めてご連絡いたします。",
            ),
            "closing": (
                "解決しました。ありがとうございました。",
                "問題なく使えるようになりました。ご対応ありがとうございました。",
            ),
        },
        "de": {
            "acme": (
                _lines(
                    "Vielen Dank für Ihre Nachricht. Auf unserer Seite sieht alles gut aus.",
                    "Könnten Sie es noch einmal versuchen?",
                ),
                "Danke für Ihre Rückmeldung. Ich kläre das mit unserem Team und melde mich bis morgen.",
                "Gute Nachricht: Das Problem ist behoben. Melden Sie sich gern, falls noch etwas auftritt.",
                _lines(
                    "Gern geschehen. Ich habe das für Sie eingerichtet;",
                    "die Änderung ist in einer Stunde sichtbar.",
                ),
                _lines(
                    "Danke für Ihre Antwort. Gern erkläre ich Ihnen die Details",
                    "in einem kurzen Gespräch nächste Woche.",
                ),
            ),
            "customer": (
                "Danke für die schnelle Antwort. Das Problem besteht leider weiterhin.",
                "Vielen Dank, so machen wir es.",
                _lines(
                    "Ich habe es erneut versucht, es funktioniert immer noch nicht.",
                    "Können wir kurz telefonieren?",
                ),
                "Danke, ich bespreche das mit meinem Team und melde mich.",
            ),
            "closing": (
                "Danke, jetzt funktioniert es!",
                "Alles gut, vielen Dank für die Hilfe.",
            ),
        },
        "fr": {
            "acme": (
                "Merci pour votre message. De notre côté tout semble correct. Pourriez-vous réessayer ?",
                "Merci pour votre retour. Je vérifie avec notre équipe et reviens vers vous demain.",
                "Bonne nouvelle : le problème est résolu. N'hésitez pas à nous recontacter si besoin.",
                "Avec plaisir. C'est configuré ; le changement sera visible d'ici une heure.",
                _lines(
                    "Merci pour votre réponse. Je vous propose un court appel",
                    "la semaine prochaine pour voir les détails.",
                ),
            ),
            "customer": (
                "Merci pour la réponse rapide. Le problème persiste malheureusement.",
                "Merci, cela nous convient.",
                "J'ai réessayé mais cela ne fonctionne toujours pas. Pouvons-nous nous appeler ?",
                "Merci, j'en parle avec mon équipe et je reviens vers vous.",
            ),
            "closing": (
                "Merci, c'est résolu !",
                "Tout fonctionne, merci pour votre aide.",
            ),
        },
    }
)
# Which REPLIES variants fit where: (mailbox, role) -> indexes.
REPLY_VARIANTS = MappingProxyType(
    {
        ("support", "acme"): (0, 1),
        ("support", "acme_resolved"): (2,),
        ("support", "acme_resolved_seats"): (3,),
        ("sales", "acme"): (1, 4),
        ("support", "customer"): (0, 2),
        ("sales", "customer"): (1, 3),
    }
)

# Wrappers: (Acme -> customer, customer -> named Acme person, customer -> shared inbox)
WRAPPERS = MappingProxyType(
    {
        "en": (
            _lines(
                "Hi {c_first},",
                "",
                "{text}",
                "",
                "Best regards,",
                "{r_name}",
                "Acme Analytics",
                "",
            ),
            _lines(
                "Hi {r_first},",
                "",
                "{text}",
                "",
                "Thanks,",
                "{c_name}",
                "",
            ),
            _lines(
                "Hello,",
                "",
                "{text}",
                "",
                "Thanks,",
                "{c_name}",
                "",
            ),
        ),
        "ja": (
            _lines(
                "{company_line}{c_last}様",
                "",
                "いつもお世話になっております。",
                "Acme Analyticsの{r_last}です。",
                "",
                "{text}",
                "",
                "何卒よろしくお願いいたします。",
                "",
                "--",
                "Acme Analytics",
                "{r_name}",
                "",
            ),
            _lines(
                "Acme Analytics",
                "{r_last}様",
                "",
                "お世話になっております。",
                "{company_from}{c_last}です。",
                "",
                "{text}",
                "",
                "よろしくお願いいたします。",
                "{c_name}",
                "",
            ),
            _lines(
                "Acme Analytics",
                "ご担当者様",
                "",
                "お世話になっております。",
                "{company_from}{c_last}です。",
                "",
                "{text}",
                "",
                "よろしくお願いいたします。",
                "{c_name}",
                "",
            ),
        ),
        "de": (
            _lines(
                "Hallo {c_first} {c_last},",
                "",
                "{text}",
                "",
                "Viele Grüße",
                "{r_name}",
                "Acme Analytics",
                "",
            ),
            _lines(
                "Hallo {r_first},",
                "",
                "{text}",
                "",
                "Viele Grüße",
                "{c_name}",
                "",
            ),
            _lines(
                "Guten Tag,",
                "",
                "{text}",
                "",
                "Viele Grüße",
                "{c_name}",
                "",
            ),
        ),
        "fr": (
            _lines(
                "Bonjour {c_first},",
                "",
                "{text}",
                "",
                "Cordialement,",
                "{r_name}",
                "Acme Analytics",
                "",
            ),
            _lines(
                "Bonjour {r_first},",
                "",
                "{text}",
                "",
                "Cordialement,",
                "{c_name}",
                "",
            ),
            _lines(
                "Bonjour,",
                "",
                "{text}",
                "",
                "Cordialement,",
                "{c_name}",
                "",
            ),
        ),
    }
)

SHARED_INBOX_NAMES = MappingProxyType(
    {
        "sales": {
            "en": "Acme Analytics Sales",
            "ja": "Acme Analytics 営業窓口",
            "de": "Acme Analytics Vertrieb",
            "fr": "Acme Analytics Ventes",
        },
        "support": {
            "en": "Acme Analytics Support",
            "ja": "Acme Analytics サポート",
            "de": "Acme Analytics Support",
            "fr": "Acme Analytics Support",
        },
    }
)

# Survey comments per language and score band.
SURVEY_COMMENTS = MappingProxyType(
    {
        "en": {
            "low": (
                "Too expensive for what it does.",
                "Support took too long to answer.",
                "Setup was confusing.",
                "The connector keeps breaking.",
            ),
            "mid": (
                "Good product, some reports are slow.",
                "Does the job.",
                "Nice dashboards, docs could be better.",
            ),
            "high": (
                "Great tool, our team loves it!",
                "Excellent support and easy to use.",
                "Saved us hours every week.",
            ),
        },
        "ja": {
            "low": (
                "価格が高いと感じます。",
                "サポートの返信が遅かったです。",
                "初期設定が分かりにくかったです。",
            ),
            "mid": (
                "おおむね満足しています。",
                "機能は良いですが、動作が少し遅いです。",
            ),
            "high": (
                "とても使いやすく、チーム全員が活用しています。",
                "サポートの対応が丁寧でした。",
                "レポート作成の時間が大幅に減りました。",
            ),
        },
        "de": {
            "low": (
                "Zu teuer für den Funktionsumfang.",
                "Der Support hat zu lange gebraucht.",
            ),
            "mid": (
                "Gutes Produkt, manche Berichte sind langsam.",
                "Erfüllt seinen Zweck.",
            ),
            "high": (
                "Tolles Werkzeug, unser Team ist begeistert!",
                "Hervorragender Support.",
            ),
        },
        "fr": {
            "low": (
                "Trop cher pour ce que c'est.",
                "Le support a mis trop de temps à répondre.",
            ),
            "mid": (
                "Bon produit, certains rapports sont lents.",
                "Fait le travail.",
            ),
            "high": (
                "Excellent outil, toute l'équipe l'adore !",
                "Support très réactif.",
            ),
        },
    }
)
