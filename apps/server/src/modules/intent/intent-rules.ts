import type { TIntent } from "./intent.types.js";

/** A high-precision pattern over normalised text, tried after keywords and before the model. */
export interface TIntentRule {
  id: string;
  intent: TIntent;
  /** Fires when this matches... */
  when: RegExp;
  /** ...and this does not. */
  unless?: RegExp;
  /** Result is a clarification candidate rather than a decision. */
  uncertain?: boolean;
}

// Words that make a message about messaging itself; their presence disables the "ordinary use" rules.
const CONTACT =
  /\b(?:text|texts|texting|txt|txts|txting|msg|msgs|message|messages|messaging|sms|contact|contacting|spam|spamming|notifications?|alerts?|unsubscribe|opt out|optout|remove me|my number|this number|mensajes?|mensagens?|sms|messages?|nachrichten|messaggi|escribir|escriban|escribirme|mandar|manden|enviar|envien|ecrire|envoyer|schreiben|scrivere)\b/;
const TRANSACTION =
  "(?:order|orders|delivery|deliveries|package|parcel|shipment|shipping|payment|payments|appointment|appt|booking|reservation|card|account|membership|plan|trial|item|items|cart|transfer|flight|ride|meeting|call|invoice|refund|return|pedido|pedidos|entrega|envio|cita|reserva|pago|tarjeta|cuenta|encomenda|consulta|pagamento|cartao|conta|commande|livraison|rendez vous|paiement|carte|compte|bestellung|lieferung|termin|zahlung|konto|ordine|consegna|appuntamento|pagamento|prenotazione)";
const DETERMINER =
  "(?:(?:my|the|this|that|our|your|an|a|mi|el|la|mis|los|las|meu|minha|o|a|ma|mon|mes|la|le|meine|meinen|die|den|das|il|lo|mio|mia) )?(?:old |new |last |next |recent )?";

/**
 * Negation, object and scope rules (NegEx-style, short windows). Order matters: the first match wins.
 * They cover the structural cases a bag-of-n-grams model gets wrong; everything else is left to it.
 */
export const INTENT_RULES: readonly TIntentRule[] = [
  {
    id: "negated-stop",
    intent: "none",
    when: /\b(?:dont|do not|never|pls dont|please dont|don t|shouldnt|should not)(?: ever| you dare)?(?: want to| wanna| wish to| need to)? (?:stop|quit|end|cancel|unsubscribe|remove|delete|opt me out)\b|\b(?:dont|do not|don t) want (?:the |your |these |those |my |this |that |them |it )?(?:[a-z]+ ){0,2}to (?:stop|end)\b|\bno (?:pares|paren|pare de|dejes de|dejen de|deje de|detengan|(?:me )?(?:cancelen|canceles|cancele|den de baja|borren|eliminen|quiten|saquen))\b|\bnao (?:parem|pare de|parem de|deixem de|deixe de|(?:me )?(?:cancelem|cancele|descadastrem|removam|tirem))\b|\bn arretez pas\b|\bne (?:vous )?arretez pas\b|\bn arrete pas\b|\bne cessez pas\b|\bn annulez pas\b|\bne (?:m )?(?:annulez|desabonnez|desinscrivez|supprimez|retirez) pas\b|\b(?:hort|horen sie|hor) (?:nicht|bloss nicht) auf\b|\bnicht aufhoren\b|\b(?:kundigt|kundigen sie|storniert|stornieren sie|loscht|loschen sie|meldet|melden sie)(?: [a-z]+){0,3} (?:nicht|bloss nicht)\b|\bnon (?:fermate|smettete|smettere|fermare|interrompete|annullate|cancellate|disdite|eliminate|mi (?:cancellate|disiscrivete|togliete))\b|\bniet stoppen\b|\bstop niet\b/,
    unless: /\bleave me alone\b|\bif (?:you|u) (?:dont|do not|don t) (?:stop|quit)\b/,
  },
  {
    id: "wrong-number-alone",
    intent: "none",
    uncertain: true,
    when: /^(?:i think |sorry |oops |hey |hi )?(?:you (?:have|got) |u (?:have|got) |youve got |you ve got |u got |u have )?(?:the )?wrong (?:number|person|guy|girl|phone)$/,
  },
  {
    id: "transaction-object",
    intent: "none",
    when: new RegExp(
      `\\b(?:cancel|cancell?ing|cancelled|stop|stopping|end|quit|remove|delete|unsubscribe|cancelar|cancelen|cancela|anular|parar|paren|detener|annuler|annulez|arretez|stornieren|storniere|stoppen|annullare|annullate|cancellare)(?: (?:please|pls|for me))? ${DETERMINER}${TRANSACTION}\\b`,
    ),
    unless: CONTACT,
  },
  {
    id: "email-only",
    intent: "none",
    when: /\b(?:unsubscribe|remove|delete)(?: me)?(?: my)?(?: old)? (?:email|e mail|mail) (?:address )?(?:from|on)\b|\b(?:unsubscribe|remove)(?: me)? from (?:your |the )?(?:emails?|e mails?|email list|e mail list|newsletter emails?)\b(?!.*\b(?:texts?|sms|messages)\b)/,
  },
  {
    id: "ordinary-stop",
    intent: "none",
    when: /\b(?:stop|stopped|stopping|stops) (?:by|in|over|off at|at the|for (?:coffee|lunch|gas|milk|food|a bit))\b|\b(?:bus|train|tram|next|last|first|third|second|your|our|the) stop\b|\b(?:cant|can t|cannot|couldnt|could not|wont|won t|didnt|doesnt|never) stop (?:laughing|crying|thinking|eating|smiling|watching|listening|buying|raining|talking)\b|\bnon stop\b|\bnonstop\b|\bstop (?:sign|signs|light|lights|watch|motion|loss)\b/,
    unless: CONTACT,
  },
  {
    id: "negated-contact",
    intent: "opt_out",
    when: /(?<!\b(?:dont|do not|never|don t|didnt) )\b(?:dont|do not|never|pls dont|please dont|don t|stop|quit)(?: ever)? (?:text|txt|message|msg|contact|sms|send|bother|email|write|spam)(?:ing)?(?: me| this number| my number| us)(?! (?:back|when|if|before|after|until|later|tomorrow|at|on|the|about)\b)|\bnever (?:text|message|contact|msg|write) me\b(?! back\b)|\bno me (?:escriban|escribas|manden|mandes|envien|envies|contacten|llamen|molesten)\b|\bnao me (?:mande|mandem|envie|enviem|contate|contatem|ligue|liguem|escreva|escrevam)\b|\bne m (?:envoyez|ecrivez|contactez|appelez|envoie|ecris) plus\b|\bne me (?:contactez|recontactez|ecrivez|envoyez) plus\b|\bnon (?:scrivetemi|mandatemi|contattatemi|inviatemi|mi scrivete|mi mandate|mi contattate)\b/,
    unless:
      /\b(?:and drive|instead|just text|text me instead|call me instead)\b|^(?:dont|do not) (?:call|text)(?: me)?,? (?:text|call|message|msg)\b/,
  },
];
