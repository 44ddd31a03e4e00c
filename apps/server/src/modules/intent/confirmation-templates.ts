/**
 * Reply templates per language: opt-out confirmation (CTIA 5.1.3: names the brand, says no further
 * messages, how to resubscribe), marketing-only confirmation, opt-in confirmation (CTIA 5.1.2.1), HELP
 * reply, and the single FCC-permitted clarification question. "{b}" is the brand. STOP/START/HELP and
 * "STOP PROMO" are kept as keywords because the classifier accepts them in every language.
 */
export interface TConfirmationTemplates {
  opt_out: string;
  opt_out_marketing: string;
  opt_in: string;
  help: string;
  clarify: string;
}

export const CONFIRMATION_TEMPLATES: Readonly<Record<string, TConfirmationTemplates>> = {
  en: {
    opt_out: "{b}: You are unsubscribed and will receive no further messages. Reply START to resubscribe.",
    opt_out_marketing:
      "{b}: You will receive no further marketing messages; order and account messages continue. Reply STOP to stop all, START to resubscribe.",
    opt_in:
      "{b}: You are subscribed again. Msg frequency varies. Msg & data rates may apply. Reply HELP for help, STOP to opt out.",
    help: "{b}: Reply STOP to unsubscribe, START to resubscribe. Msg & data rates may apply.",
    clarify:
      "{b}: Do you want to stop our messages? Reply STOP to stop all, or STOP PROMO to stop marketing only.",
  },
  es: {
    opt_out:
      "{b}: Te has dado de baja y no recibirás más mensajes. Responde START para volver a suscribirte.",
    opt_out_marketing:
      "{b}: No recibirás más mensajes promocionales; los avisos de pedidos y cuenta continúan. Responde STOP para todo, START para volver.",
    opt_in:
      "{b}: Te has suscrito de nuevo. Frecuencia variable. Pueden aplicarse tarifas. Responde HELP para ayuda, STOP para darte de baja.",
    help: "{b}: Responde STOP para darte de baja, START para volver a suscribirte. Pueden aplicarse tarifas de mensajes y datos.",
    clarify:
      "{b}: ¿Quieres dejar de recibir nuestros mensajes? Responde STOP para todo o STOP PROMO solo para publicidad.",
  },
  pt: {
    opt_out:
      "{b}: Você foi descadastrado e não receberá mais mensagens. Responda START para voltar a receber.",
    opt_out_marketing:
      "{b}: Você não receberá mais mensagens promocionais; avisos de pedidos e conta continuam. Responda STOP para tudo, START para voltar.",
    opt_in:
      "{b}: Você está inscrito novamente. Frequência variável. Tarifas podem ser cobradas. Responda HELP para ajuda, STOP para sair.",
    help: "{b}: Responda STOP para sair, START para voltar a receber. Tarifas de mensagens e dados podem ser cobradas.",
    clarify:
      "{b}: Quer parar de receber nossas mensagens? Responda STOP para tudo ou STOP PROMO só para promoções.",
  },
  fr: {
    opt_out: "{b} : Vous êtes désabonné et ne recevrez plus de messages. Répondez START pour vous réabonner.",
    opt_out_marketing:
      "{b} : Vous ne recevrez plus de messages promotionnels ; les infos de commande et de compte continuent. STOP pour tout arrêter, START pour revenir.",
    opt_in:
      "{b} : Vous êtes de nouveau abonné. Fréquence variable. Des frais peuvent s'appliquer. HELP pour l'aide, STOP pour vous désabonner.",
    help: "{b} : Répondez STOP pour vous désabonner, START pour vous réabonner. Des frais de messagerie peuvent s'appliquer.",
    clarify:
      "{b} : Voulez-vous ne plus recevoir nos messages ? Répondez STOP pour tout, ou STOP PROMO pour la publicité seulement.",
  },
  de: {
    opt_out:
      "{b}: Sie sind abgemeldet und erhalten keine weiteren Nachrichten. Antworten Sie START, um sich wieder anzumelden.",
    opt_out_marketing:
      "{b}: Sie erhalten keine Werbenachrichten mehr; Bestell- und Kontoinfos gehen weiter. STOP für alles, START zum Wiederanmelden.",
    opt_in:
      "{b}: Sie sind wieder angemeldet. Häufigkeit variiert. Es können Gebühren anfallen. HELP für Hilfe, STOP zum Abmelden.",
    help: "{b}: Antworten Sie STOP zum Abmelden, START zum Wiederanmelden. Es können Gebühren anfallen.",
    clarify:
      "{b}: Möchten Sie keine Nachrichten mehr von uns? Antworten Sie STOP für alle oder STOP PROMO nur für Werbung.",
  },
  it: {
    opt_out:
      "{b}: Sei stato disiscritto e non riceverai altri messaggi. Rispondi START per iscriverti di nuovo.",
    opt_out_marketing:
      "{b}: Non riceverai più messaggi promozionali; gli avvisi su ordini e account continuano. STOP per tutto, START per tornare.",
    opt_in:
      "{b}: Sei di nuovo iscritto. Frequenza variabile. Possono applicarsi costi. HELP per aiuto, STOP per disiscriverti.",
    help: "{b}: Rispondi STOP per disiscriverti, START per iscriverti di nuovo. Possono applicarsi costi per messaggi e dati.",
    clarify:
      "{b}: Vuoi smettere di ricevere i nostri messaggi? Rispondi STOP per tutto o STOP PROMO solo per la pubblicità.",
  },
  nl: {
    opt_out:
      "{b}: Je bent afgemeld en ontvangt geen berichten meer. Antwoord START om je weer aan te melden.",
    opt_out_marketing:
      "{b}: Je ontvangt geen reclameberichten meer; bestel- en accountberichten gaan door. STOP voor alles, START om terug te komen.",
    opt_in:
      "{b}: Je bent weer aangemeld. Frequentie wisselt. Er kunnen kosten gelden. HELP voor hulp, STOP om af te melden.",
    help: "{b}: Antwoord STOP om af te melden, START om je weer aan te melden. Er kunnen kosten gelden.",
    clarify:
      "{b}: Wil je geen berichten meer van ons? Antwoord STOP voor alles of STOP PROMO alleen voor reclame.",
  },
  sv: {
    opt_out: "{b}: Du är avregistrerad och får inga fler meddelanden. Svara START för att anmäla dig igen.",
    opt_out_marketing:
      "{b}: Du får inga fler reklammeddelanden; order- och kontomeddelanden fortsätter. STOP för allt, START för att komma tillbaka.",
    opt_in:
      "{b}: Du är anmäld igen. Frekvensen varierar. Avgifter kan tillkomma. HELP för hjälp, STOP för att avsluta.",
    help: "{b}: Svara STOP för att avsluta, START för att anmäla dig igen. Avgifter kan tillkomma.",
    clarify: "{b}: Vill du sluta få våra meddelanden? Svara STOP för allt eller STOP PROMO bara för reklam.",
  },
  da: {
    opt_out: "{b}: Du er afmeldt og modtager ikke flere beskeder. Svar START for at tilmelde dig igen.",
    opt_out_marketing:
      "{b}: Du modtager ikke flere reklamebeskeder; ordre- og kontobeskeder fortsætter. STOP for alt, START for at komme tilbage.",
    opt_in:
      "{b}: Du er tilmeldt igen. Hyppigheden varierer. Der kan være takster. HELP for hjælp, STOP for at afmelde.",
    help: "{b}: Svar STOP for at afmelde, START for at tilmelde dig igen. Der kan være takster.",
    clarify:
      "{b}: Vil du ikke have flere beskeder fra os? Svar STOP for alt eller STOP PROMO kun for reklamer.",
  },
  no: {
    opt_out: "{b}: Du er avmeldt og får ingen flere meldinger. Svar START for å melde deg på igjen.",
    opt_out_marketing:
      "{b}: Du får ingen flere reklamemeldinger; ordre- og kontomeldinger fortsetter. STOP for alt, START for å komme tilbake.",
    opt_in:
      "{b}: Du er påmeldt igjen. Hyppigheten varierer. Takster kan påløpe. HELP for hjelp, STOP for å melde deg av.",
    help: "{b}: Svar STOP for å melde deg av, START for å melde deg på igjen. Takster kan påløpe.",
    clarify:
      "{b}: Vil du slutte å få meldinger fra oss? Svar STOP for alt eller STOP PROMO bare for reklame.",
  },
  fi: {
    opt_out: "{b}: Tilauksesi on peruttu, etkä saa enää viestejä. Vastaa START tilataksesi uudelleen.",
    opt_out_marketing:
      "{b}: Et saa enää markkinointiviestejä; tilaus- ja tiliviestit jatkuvat. STOP lopettaa kaiken, START palauttaa.",
    opt_in: "{b}: Olet taas tilaaja. Viestitiheys vaihtelee. Maksuja voi syntyä. HELP ohjeet, STOP lopettaa.",
    help: "{b}: Vastaa STOP lopettaaksesi, START tilataksesi uudelleen. Viesti- ja datamaksuja voi syntyä.",
    clarify: "{b}: Haluatko lopettaa viestimme? Vastaa STOP kaikille tai STOP PROMO vain markkinoinnille.",
  },
  pl: {
    opt_out:
      "{b}: Wypisano Cię i nie otrzymasz więcej wiadomości. Odpowiedz START, aby zapisać się ponownie.",
    opt_out_marketing:
      "{b}: Nie otrzymasz więcej wiadomości reklamowych; informacje o zamówieniach i koncie zostają. STOP dla wszystkiego, START by wrócić.",
    opt_in:
      "{b}: Zapisano Cię ponownie. Częstotliwość zmienna. Mogą obowiązywać opłaty. HELP pomoc, STOP rezygnacja.",
    help: "{b}: Odpowiedz STOP, aby zrezygnować, START, aby zapisać się ponownie. Mogą obowiązywać opłaty.",
    clarify:
      "{b}: Czy chcesz przestać otrzymywać nasze wiadomości? Odpowiedz STOP dla wszystkich lub STOP PROMO tylko dla reklam.",
  },
  cs: {
    opt_out:
      "{b}: Byli jste odhlášeni a nebudete dostávat další zprávy. Odpovězte START pro opětovné přihlášení.",
    opt_out_marketing:
      "{b}: Nebudete dostávat reklamní zprávy; zprávy o objednávkách a účtu pokračují. STOP pro vše, START pro návrat.",
    opt_in:
      "{b}: Jste znovu přihlášeni. Četnost se liší. Mohou být účtovány poplatky. HELP nápověda, STOP odhlášení.",
    help: "{b}: Odpovězte STOP pro odhlášení, START pro opětovné přihlášení. Mohou být účtovány poplatky.",
    clarify:
      "{b}: Chcete přestat dostávat naše zprávy? Odpovězte STOP pro vše nebo STOP PROMO jen pro reklamu.",
  },
  sk: {
    opt_out:
      "{b}: Boli ste odhlásení a nebudete dostávať ďalšie správy. Odpovedzte START na opätovné prihlásenie.",
    opt_out_marketing:
      "{b}: Nebudete dostávať reklamné správy; správy o objednávkach a účte pokračujú. STOP pre všetko, START na návrat.",
    opt_in:
      "{b}: Ste znova prihlásení. Frekvencia sa líši. Môžu byť účtované poplatky. HELP pomoc, STOP odhlásenie.",
    help: "{b}: Odpovedzte STOP na odhlásenie, START na opätovné prihlásenie. Môžu byť účtované poplatky.",
    clarify:
      "{b}: Chcete prestať dostávať naše správy? Odpovedzte STOP pre všetko alebo STOP PROMO len pre reklamu.",
  },
  hu: {
    opt_out:
      "{b}: Leiratkozott, és nem kap több üzenetet. Válaszoljon START szóval az újbóli feliratkozáshoz.",
    opt_out_marketing:
      "{b}: Nem kap több reklámüzenetet; a rendelési és fiókértesítések folytatódnak. STOP mindenre, START a visszatéréshez.",
    opt_in:
      "{b}: Újra feliratkozott. A gyakoriság változó. Díjak merülhetnek fel. HELP súgó, STOP leiratkozás.",
    help: "{b}: Válaszoljon STOP a leiratkozáshoz, START az újbóli feliratkozáshoz. Díjak merülhetnek fel.",
    clarify:
      "{b}: Nem szeretne több üzenetet tőlünk? Válaszoljon STOP mindenre vagy STOP PROMO csak a reklámokra.",
  },
  ro: {
    opt_out: "{b}: Te-ai dezabonat și nu vei mai primi mesaje. Răspunde START pentru a te abona din nou.",
    opt_out_marketing:
      "{b}: Nu vei mai primi mesaje promoționale; mesajele despre comenzi și cont continuă. STOP pentru tot, START pentru revenire.",
    opt_in:
      "{b}: Te-ai abonat din nou. Frecvența variază. Se pot aplica tarife. HELP ajutor, STOP dezabonare.",
    help: "{b}: Răspunde STOP pentru dezabonare, START pentru reabonare. Se pot aplica tarife.",
    clarify:
      "{b}: Vrei să nu mai primești mesajele noastre? Răspunde STOP pentru tot sau STOP PROMO doar pentru reclame.",
  },
  bg: {
    opt_out:
      "{b}: Отписахте се и няма да получавате повече съобщения. Отговорете START, за да се абонирате отново.",
    opt_out_marketing:
      "{b}: Няма да получавате рекламни съобщения; съобщенията за поръчки и профил продължават. STOP за всичко, START за връщане.",
    opt_in:
      "{b}: Абонирахте се отново. Честотата варира. Може да има такси. HELP за помощ, STOP за отписване.",
    help: "{b}: Отговорете STOP за отписване, START за нов абонамент. Може да има такси.",
    clarify: "{b}: Искате ли да спрем съобщенията? Отговорете STOP за всички или STOP PROMO само за реклами.",
  },
  el: {
    opt_out: "{b}: Η εγγραφή σας ακυρώθηκε και δεν θα λάβετε άλλα μηνύματα. Απαντήστε START για επανεγγραφή.",
    opt_out_marketing:
      "{b}: Δεν θα λαμβάνετε διαφημιστικά μηνύματα· τα μηνύματα παραγγελιών και λογαριασμού συνεχίζουν. STOP για όλα, START για επιστροφή.",
    opt_in:
      "{b}: Εγγραφήκατε ξανά. Η συχνότητα ποικίλλει. Ενδέχεται να ισχύουν χρεώσεις. HELP για βοήθεια, STOP για διαγραφή.",
    help: "{b}: Απαντήστε STOP για διαγραφή, START για επανεγγραφή. Ενδέχεται να ισχύουν χρεώσεις.",
    clarify:
      "{b}: Θέλετε να σταματήσουν τα μηνύματά μας; Απαντήστε STOP για όλα ή STOP PROMO μόνο για διαφημίσεις.",
  },
  ru: {
    opt_out:
      "{b}: Вы отписаны и больше не будете получать сообщения. Ответьте START, чтобы подписаться снова.",
    opt_out_marketing:
      "{b}: Рекламные сообщения больше не придут; уведомления о заказах и аккаунте сохраняются. STOP — всё, START — вернуться.",
    opt_in:
      "{b}: Вы снова подписаны. Частота различается. Может взиматься плата. HELP — помощь, STOP — отписка.",
    help: "{b}: Ответьте STOP, чтобы отписаться, START, чтобы подписаться снова. Может взиматься плата.",
    clarify:
      "{b}: Хотите больше не получать наши сообщения? Ответьте STOP для всех или STOP PROMO только для рекламы.",
  },
  uk: {
    opt_out: "{b}: Вас відписано, більше повідомлень не буде. Відповідайте START, щоб підписатися знову.",
    opt_out_marketing:
      "{b}: Рекламних повідомлень більше не буде; сповіщення про замовлення й акаунт тривають. STOP — все, START — повернутися.",
    opt_in:
      "{b}: Ви знову підписані. Частота різна. Може стягуватися плата. HELP — допомога, STOP — відписка.",
    help: "{b}: Відповідайте STOP, щоб відписатися, START, щоб підписатися знову. Може стягуватися плата.",
    clarify:
      "{b}: Бажаєте більше не отримувати наших повідомлень? Відповідайте STOP для всіх або STOP PROMO лише для реклами.",
  },
  tr: {
    opt_out:
      "{b}: Aboneliğiniz iptal edildi, başka mesaj almayacaksınız. Yeniden abone olmak için START yazın.",
    opt_out_marketing:
      "{b}: Artık reklam mesajı almayacaksınız; sipariş ve hesap mesajları devam eder. Tümü için STOP, geri dönmek için START.",
    opt_in:
      "{b}: Yeniden abone oldunuz. Sıklık değişir. Ücret uygulanabilir. Yardım için HELP, iptal için STOP.",
    help: "{b}: İptal için STOP, yeniden abonelik için START yazın. Ücret uygulanabilir.",
    clarify:
      "{b}: Mesajlarımızı almak istemiyor musunuz? Tümü için STOP, yalnızca reklamlar için STOP PROMO yazın.",
  },
  ar: {
    opt_out: "{b}: تم إلغاء اشتراكك ولن تصلك رسائل أخرى. أرسل START لإعادة الاشتراك.",
    opt_out_marketing:
      "{b}: لن تصلك رسائل تسويقية بعد الآن؛ رسائل الطلبات والحساب مستمرة. أرسل STOP لإيقاف الكل أو START للعودة.",
    opt_in:
      "{b}: تمت إعادة اشتراكك. يختلف عدد الرسائل. قد تُطبق رسوم. أرسل HELP للمساعدة أو STOP لإلغاء الاشتراك.",
    help: "{b}: أرسل STOP لإلغاء الاشتراك أو START لإعادة الاشتراك. قد تُطبق رسوم الرسائل والبيانات.",
    clarify: "{b}: هل تريد إيقاف رسائلنا؟ أرسل STOP لإيقاف الكل أو STOP PROMO للرسائل التسويقية فقط.",
  },
  he: {
    opt_out: "{b}: הוסרת מהרשימה ולא תקבל הודעות נוספות. השב START כדי להירשם מחדש.",
    opt_out_marketing:
      "{b}: לא תקבל עוד הודעות שיווקיות; הודעות על הזמנות וחשבון ימשיכו. STOP להפסקת הכל, START לחזרה.",
    opt_in: "{b}: נרשמת מחדש. התדירות משתנה. ייתכנו חיובים. HELP לעזרה, STOP להסרה.",
    help: "{b}: השב STOP להסרה, START להרשמה מחדש. ייתכנו חיובי הודעות ונתונים.",
    clarify: "{b}: האם ברצונך להפסיק לקבל מאיתנו הודעות? השב STOP להכל או STOP PROMO לפרסומות בלבד.",
  },
  fa: {
    opt_out: "{b}: اشتراک شما لغو شد و دیگر پیامی دریافت نمی‌کنید. برای عضویت دوباره START را بفرستید.",
    opt_out_marketing:
      "{b}: دیگر پیام تبلیغاتی دریافت نمی‌کنید؛ پیام‌های سفارش و حساب ادامه دارد. STOP برای همه، START برای بازگشت.",
    opt_in:
      "{b}: دوباره عضو شدید. تعداد پیام‌ها متغیر است. ممکن است هزینه داشته باشد. HELP برای راهنما، STOP برای لغو.",
    help: "{b}: برای لغو STOP و برای عضویت دوباره START را بفرستید. ممکن است هزینه پیامک داشته باشد.",
    clarify: "{b}: می‌خواهید پیام‌های ما قطع شود؟ برای همه STOP و فقط برای تبلیغات STOP PROMO را بفرستید.",
  },
  hi: {
    opt_out: "{b}: आपकी सदस्यता रद्द हो गई है, अब कोई संदेश नहीं आएगा। दोबारा जुड़ने के लिए START भेजें।",
    opt_out_marketing:
      "{b}: अब प्रचार संदेश नहीं आएंगे; ऑर्डर और खाते के संदेश जारी रहेंगे। सब बंद करने के लिए STOP, वापस आने के लिए START।",
    opt_in: "{b}: आप फिर से जुड़ गए हैं। संदेशों की संख्या बदलती है। शुल्क लग सकता है। मदद के लिए HELP, बंद करने के लिए STOP।",
    help: "{b}: बंद करने के लिए STOP, दोबारा जुड़ने के लिए START भेजें। संदेश व डेटा शुल्क लग सकता है।",
    clarify: "{b}: क्या आप हमारे संदेश बंद करना चाहते हैं? सब के लिए STOP या सिर्फ प्रचार के लिए STOP PROMO भेजें।",
  },
  bn: {
    opt_out: "{b}: আপনার সাবস্ক্রিপশন বাতিল হয়েছে, আর কোনো বার্তা পাবেন না। আবার যুক্ত হতে START পাঠান।",
    opt_out_marketing: "{b}: আর প্রচারমূলক বার্তা পাবেন না; অর্ডার ও অ্যাকাউন্টের বার্তা চলবে। সব বন্ধে STOP, ফিরতে START।",
    opt_in: "{b}: আপনি আবার যুক্ত হয়েছেন। বার্তার সংখ্যা পরিবর্তিত হয়। চার্জ প্রযোজ্য হতে পারে। সাহায্যে HELP, বন্ধে STOP।",
    help: "{b}: বন্ধ করতে STOP, আবার যুক্ত হতে START পাঠান। বার্তা ও ডেটা চার্জ প্রযোজ্য হতে পারে।",
    clarify: "{b}: আপনি কি আমাদের বার্তা বন্ধ করতে চান? সব বন্ধে STOP বা শুধু প্রচারে STOP PROMO পাঠান।",
  },
  ur: {
    opt_out:
      "{b}: آپ کی رکنیت ختم ہو گئی ہے، اب کوئی پیغام نہیں آئے گا۔ دوبارہ شامل ہونے کے لیے START بھیجیں۔",
    opt_out_marketing:
      "{b}: اب تشہیری پیغامات نہیں آئیں گے؛ آرڈر اور اکاؤنٹ کے پیغامات جاری رہیں گے۔ سب کے لیے STOP، واپسی کے لیے START۔",
    opt_in:
      "{b}: آپ دوبارہ شامل ہو گئے ہیں۔ پیغامات کی تعداد مختلف ہو سکتی ہے۔ چارجز لاگو ہو سکتے ہیں۔ مدد کے لیے HELP، بند کرنے کے لیے STOP۔",
    help: "{b}: بند کرنے کے لیے STOP، دوبارہ شامل ہونے کے لیے START بھیجیں۔ چارجز لاگو ہو سکتے ہیں۔",
    clarify:
      "{b}: کیا آپ ہمارے پیغامات بند کرنا چاہتے ہیں؟ سب کے لیے STOP یا صرف اشتہارات کے لیے STOP PROMO بھیجیں۔",
  },
  id: {
    opt_out:
      "{b}: Anda sudah berhenti berlangganan dan tidak akan menerima pesan lagi. Balas START untuk berlangganan lagi.",
    opt_out_marketing:
      "{b}: Anda tidak akan menerima pesan promosi lagi; info pesanan dan akun tetap dikirim. STOP untuk semua, START untuk kembali.",
    opt_in:
      "{b}: Anda berlangganan lagi. Frekuensi bervariasi. Biaya dapat berlaku. HELP untuk bantuan, STOP untuk berhenti.",
    help: "{b}: Balas STOP untuk berhenti, START untuk berlangganan lagi. Biaya pesan dan data dapat berlaku.",
    clarify:
      "{b}: Apakah Anda ingin berhenti menerima pesan kami? Balas STOP untuk semua atau STOP PROMO untuk promosi saja.",
  },
  ms: {
    opt_out:
      "{b}: Langganan anda telah dihentikan dan anda tidak akan menerima mesej lagi. Balas START untuk melanggan semula.",
    opt_out_marketing:
      "{b}: Anda tidak akan menerima mesej promosi lagi; mesej pesanan dan akaun diteruskan. STOP untuk semua, START untuk kembali.",
    opt_in:
      "{b}: Anda melanggan semula. Kekerapan berbeza. Caj mungkin dikenakan. HELP untuk bantuan, STOP untuk berhenti.",
    help: "{b}: Balas STOP untuk berhenti, START untuk melanggan semula. Caj mesej dan data mungkin dikenakan.",
    clarify:
      "{b}: Adakah anda mahu berhenti menerima mesej kami? Balas STOP untuk semua atau STOP PROMO untuk promosi sahaja.",
  },
  vi: {
    opt_out: "{b}: Bạn đã hủy đăng ký và sẽ không nhận thêm tin nhắn. Trả lời START để đăng ký lại.",
    opt_out_marketing:
      "{b}: Bạn sẽ không nhận tin quảng cáo nữa; tin về đơn hàng và tài khoản vẫn tiếp tục. STOP để dừng hết, START để quay lại.",
    opt_in:
      "{b}: Bạn đã đăng ký lại. Tần suất thay đổi. Có thể tính phí. HELP để được trợ giúp, STOP để hủy.",
    help: "{b}: Trả lời STOP để hủy, START để đăng ký lại. Có thể tính phí tin nhắn và dữ liệu.",
    clarify:
      "{b}: Bạn muốn ngừng nhận tin của chúng tôi? Trả lời STOP cho tất cả hoặc STOP PROMO chỉ cho quảng cáo.",
  },
  th: {
    opt_out: "{b}: คุณยกเลิกการรับข้อความแล้ว และจะไม่ได้รับข้อความอีก ตอบ START เพื่อสมัครใหม่",
    opt_out_marketing:
      "{b}: คุณจะไม่ได้รับข้อความโฆษณาอีก ข้อความเรื่องคำสั่งซื้อและบัญชียังคงส่งต่อ ตอบ STOP เพื่อหยุดทั้งหมด START เพื่อกลับมา",
    opt_in: "{b}: คุณสมัครรับข้อความอีกครั้งแล้ว ความถี่ไม่แน่นอน อาจมีค่าบริการ ตอบ HELP เพื่อขอความช่วยเหลือ STOP เพื่อยกเลิก",
    help: "{b}: ตอบ STOP เพื่อยกเลิก START เพื่อสมัครใหม่ อาจมีค่าบริการข้อความและข้อมูล",
    clarify: "{b}: คุณต้องการหยุดรับข้อความจากเราหรือไม่ ตอบ STOP เพื่อหยุดทั้งหมด หรือ STOP PROMO เฉพาะโฆษณา",
  },
  tl: {
    opt_out:
      "{b}: Naka-unsubscribe ka na at hindi ka na makakatanggap ng mensahe. I-reply ang START para mag-subscribe ulit.",
    opt_out_marketing:
      "{b}: Hindi ka na makakatanggap ng promo; tuloy ang mensahe tungkol sa order at account. STOP para sa lahat, START para bumalik.",
    opt_in:
      "{b}: Naka-subscribe ka ulit. Nag-iiba ang dalas. Maaaring may singil. HELP para sa tulong, STOP para huminto.",
    help: "{b}: I-reply ang STOP para huminto, START para mag-subscribe ulit. Maaaring may singil sa mensahe at data.",
    clarify:
      "{b}: Gusto mo bang itigil ang aming mga mensahe? I-reply ang STOP para sa lahat o STOP PROMO para sa promo lang.",
  },
  zh: {
    opt_out: "{b}：您已退订，将不再收到任何消息。回复 START 可重新订阅。",
    opt_out_marketing:
      "{b}：您将不再收到营销消息，订单和账户通知照常发送。回复 STOP 停止全部，START 重新订阅。",
    opt_in: "{b}：您已重新订阅。消息频率不定，可能产生费用。回复 HELP 获取帮助，STOP 退订。",
    help: "{b}：回复 STOP 退订，START 重新订阅。可能产生短信和流量费用。",
    clarify: "{b}：您想停止接收我们的消息吗？回复 STOP 停止全部，或回复 STOP PROMO 仅停止营销消息。",
  },
  ja: {
    opt_out: "{b}：配信を停止しました。今後メッセージは届きません。再開するには START と返信してください。",
    opt_out_marketing:
      "{b}：広告メッセージの配信を停止しました。注文・アカウントのお知らせは引き続き届きます。すべて停止は STOP、再開は START。",
    opt_in:
      "{b}：配信を再開しました。頻度は変動します。通信料がかかる場合があります。ヘルプは HELP、停止は STOP。",
    help: "{b}：配信停止は STOP、再開は START と返信してください。通信料がかかる場合があります。",
    clarify:
      "{b}：メッセージの配信を停止しますか？すべて停止は STOP、広告のみ停止は STOP PROMO と返信してください。",
  },
  ko: {
    opt_out: "{b}: 수신 거부가 완료되어 더 이상 메시지를 받지 않습니다. 다시 받으려면 START를 보내 주세요.",
    opt_out_marketing:
      "{b}: 광고 메시지는 더 이상 발송되지 않으며 주문·계정 알림은 계속됩니다. 전체 중단은 STOP, 재구독은 START.",
    opt_in:
      "{b}: 다시 구독되었습니다. 발송 빈도는 다를 수 있으며 요금이 부과될 수 있습니다. 도움말 HELP, 수신 거부 STOP.",
    help: "{b}: 수신 거부는 STOP, 재구독은 START를 보내 주세요. 메시지 및 데이터 요금이 부과될 수 있습니다.",
    clarify: "{b}: 메시지 수신을 중단하시겠어요? 전체 중단은 STOP, 광고만 중단은 STOP PROMO를 보내 주세요.",
  },
  sw: {
    opt_out: "{b}: Umejiondoa na hutapokea ujumbe zaidi. Jibu START kujiunga tena.",
    opt_out_marketing:
      "{b}: Hutapokea tena ujumbe wa matangazo; ujumbe wa oda na akaunti utaendelea. STOP kwa yote, START kurudi.",
    opt_in:
      "{b}: Umejiunga tena. Idadi ya ujumbe hubadilika. Gharama zinaweza kutozwa. HELP kwa msaada, STOP kujiondoa.",
    help: "{b}: Jibu STOP kujiondoa, START kujiunga tena. Gharama za ujumbe na data zinaweza kutozwa.",
    clarify: "{b}: Je, unataka kusitisha ujumbe wetu? Jibu STOP kwa yote au STOP PROMO kwa matangazo tu.",
  },
  hr: {
    opt_out: "{b}: Odjavljeni ste i nećete primati daljnje poruke. Odgovorite START za ponovnu prijavu.",
    opt_out_marketing:
      "{b}: Nećete više primati promotivne poruke; poruke o narudžbama i računu se nastavljaju. STOP za sve, START za povratak.",
    opt_in:
      "{b}: Ponovno ste prijavljeni. Učestalost varira. Mogu se naplatiti troškovi. HELP za pomoć, STOP za odjavu.",
    help: "{b}: Odgovorite STOP za odjavu, START za ponovnu prijavu. Mogu se naplatiti troškovi.",
    clarify:
      "{b}: Želite li prestati primati naše poruke? Odgovorite STOP za sve ili STOP PROMO samo za reklame.",
  },
  sr: {
    opt_out: "{b}: Одјављени сте и нећете примати даље поруке. Одговорите START за поновну пријаву.",
    opt_out_marketing:
      "{b}: Нећете више примати промотивне поруке; поруке о поруџбинама и налогу се настављају. STOP за све, START за повратак.",
    opt_in:
      "{b}: Поново сте пријављени. Учесталост варира. Могући су трошкови. HELP за помоћ, STOP за одјаву.",
    help: "{b}: Одговорите STOP за одјаву, START за поновну пријаву. Могући су трошкови.",
    clarify:
      "{b}: Да ли желите да престанете да примате наше поруке? Одговорите STOP за све или STOP PROMO само за рекламе.",
  },
  sl: {
    opt_out: "{b}: Odjavljeni ste in ne boste več prejemali sporočil. Odgovorite START za ponovno prijavo.",
    opt_out_marketing:
      "{b}: Ne boste več prejemali promocijskih sporočil; sporočila o naročilih in računu se nadaljujejo. STOP za vse, START za vrnitev.",
    opt_in:
      "{b}: Ponovno ste prijavljeni. Pogostost se spreminja. Možni so stroški. HELP za pomoč, STOP za odjavo.",
    help: "{b}: Odgovorite STOP za odjavo, START za ponovno prijavo. Možni so stroški.",
    clarify:
      "{b}: Ali želite prenehati prejemati naša sporočila? Odgovorite STOP za vse ali STOP PROMO samo za oglase.",
  },
  lt: {
    opt_out:
      "{b}: Jūs atsisakėte ir daugiau žinučių negausite. Atsakykite START, kad vėl užsiprenumeruotumėte.",
    opt_out_marketing:
      "{b}: Reklaminių žinučių nebegausite; žinutės apie užsakymus ir paskyrą tęsiasi. STOP viskam, START sugrįžti.",
    opt_in:
      "{b}: Vėl užsiprenumeravote. Dažnumas kinta. Gali būti taikomi mokesčiai. HELP pagalba, STOP atsisakyti.",
    help: "{b}: Atsakykite STOP, kad atsisakytumėte, START, kad vėl užsiprenumeruotumėte. Gali būti taikomi mokesčiai.",
    clarify: "{b}: Ar norite nebegauti mūsų žinučių? Atsakykite STOP visoms arba STOP PROMO tik reklamai.",
  },
  lv: {
    opt_out: "{b}: Jūs esat atteicies un vairs nesaņemsiet ziņas. Atbildiet START, lai pieteiktos atkārtoti.",
    opt_out_marketing:
      "{b}: Jūs vairs nesaņemsiet reklāmas ziņas; ziņas par pasūtījumiem un kontu turpināsies. STOP visam, START atgriezties.",
    opt_in:
      "{b}: Jūs atkal esat pieteicies. Biežums mainās. Var tikt piemērota maksa. HELP palīdzība, STOP atteikties.",
    help: "{b}: Atbildiet STOP, lai atteiktos, START, lai pieteiktos atkārtoti. Var tikt piemērota maksa.",
    clarify:
      "{b}: Vai vēlaties vairs nesaņemt mūsu ziņas? Atbildiet STOP visām vai STOP PROMO tikai reklāmām.",
  },
  et: {
    opt_out: "{b}: Olete loobunud ega saa enam sõnumeid. Vastake START, et uuesti liituda.",
    opt_out_marketing:
      "{b}: Te ei saa enam reklaamsõnumeid; tellimuste ja konto teated jätkuvad. STOP kõigele, START tagasi tulemiseks.",
    opt_in: "{b}: Olete uuesti liitunud. Sagedus varieerub. Võivad kehtida tasud. HELP abi, STOP loobumine.",
    help: "{b}: Vastake STOP loobumiseks, START uuesti liitumiseks. Võivad kehtida tasud.",
    clarify:
      "{b}: Kas soovite meie sõnumitest loobuda? Vastake STOP kõigile või STOP PROMO ainult reklaamile.",
  },
  ca: {
    opt_out: "{b}: T'has donat de baixa i no rebràs més missatges. Respon START per tornar a subscriure't.",
    opt_out_marketing:
      "{b}: No rebràs més missatges promocionals; els avisos de comandes i compte continuen. STOP per a tot, START per tornar.",
    opt_in:
      "{b}: T'has subscrit de nou. Freqüència variable. Es poden aplicar tarifes. HELP per a ajuda, STOP per donar-te de baixa.",
    help: "{b}: Respon STOP per donar-te de baixa, START per tornar a subscriure't. Es poden aplicar tarifes.",
    clarify:
      "{b}: Vols deixar de rebre els nostres missatges? Respon STOP per a tot o STOP PROMO només per a la publicitat.",
  },
};
