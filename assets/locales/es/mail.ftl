# Lo que se envía por correo a un cliente, las entradas de calendario que
# recibe y el mensaje que el terapeuta copia para enviárselo. Trato de usted;
# palabras según docs/glossary-es.md. Cada dirección web va al final de su
# línea, sin puntuación detrás.

## Asuntos. $date, $time, $abbrev: "lunes, 15 de marzo de 2027", "12:00", "EDT".

mail-subject-reminder = Recordatorio: su sesión de video con { $practice }, { $date }, { $time } { $abbrev }
mail-subject-update = Se cambió la hora: su sesión de video con { $practice } ahora es el { $date }, { $time } { $abbrev }
mail-subject-cancel = Cancelada: su sesión de video con { $practice }, { $date }, { $time } { $abbrev }
mail-subject-resend = Su sesión con { $practice } ha comenzado: entre con este enlace

## Título de la parte HTML.

mail-title-reminder = Recordatorio de su sesión
mail-title-update = Nueva hora de su sesión
mail-title-cancel = Sesión cancelada
mail-title-resend = Su sesión ha comenzado

## El cuerpo del mensaje, en sus dos partes.

# $name es el nombre de pila del cliente.
mail-hello = Hola, { $name }:
mail-heading-reminder = Se acerca su sesión de video
mail-heading-update = Se cambió la hora de su sesión
mail-heading-resend = Su sesión ha comenzado: entre con este enlace
mail-heading-cancel = Su sesión se ha cancelado
mail-intro-reminder = Le recordamos su sesión de video con { $practice }:
mail-intro-update = Se cambió la hora de su sesión de video con { $practice }. La nueva hora es:
mail-intro-resend = Su sesión de video con { $practice } ha comenzado y { $practice } le está esperando:
# La frase va cortada alrededor de la fecha y la hora (en negrita en HTML):
# principio, "lunes, 15 de marzo de 2027 a las 12:00 EDT (America/New_York)", final.
mail-cancelled-lead = La sesión de video que tenía con { $practice } el
mail-cancelled-tail = se ha cancelado.
mail-cancelled-link = El enlace de esa sesión ya no funciona.
mail-cancelled-book = Para reservar otra hora, responda a este mensaje o comuníquese con { $practice }.
mail-zone-minutes = Zona horaria: { $zone } · { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
}
mail-time-minutes = { $time }, { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
}
mail-join = Entrar a la videollamada
mail-join-label = Entrar a la videollamada:
mail-opens = El enlace se abre { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
} antes de la hora de inicio.
mail-code-label = Código de acceso:
mail-code-button-fails = Si el botón no funciona, escriba el código en esta dirección:
mail-code-link-fails = Si el enlace no se abre, escriba el código en esta dirección:
mail-portal-lead = Todas sus próximas sesiones:
mail-portal-link = su página personal
mail-portal-text = Su página personal, con todas sus próximas sesiones:
mail-help-heading = Si algo no funciona
mail-help-heading-text = Si algo no funciona:
mail-help-browser = Use una versión actualizada de Chrome, Safari, Firefox o Edge
    y permita el acceso a la cámara y al micrófono.
mail-help-reload = Vuelva a cargar la página o escriba su código de acceso en la dirección de arriba.
mail-help-contact = ¿Sigue sin poder entrar? Responda a este mensaje o comuníquese con { $practice }.
mail-private = Este mensaje es solo para usted: por favor, no lo reenvíe.
mail-attached = Con el archivo de calendario adjunto puede agregar la sesión a su calendario.
mail-attached-cancel = El archivo de calendario adjunto quita la sesión de su calendario.

## La entrada de calendario (.ics).

mail-ics-summary = Sesión de video con { $practice }
mail-ics-when = { $at }, { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
}.
mail-ics-code = Código de acceso: { $code }
mail-ics-link-fails = Si el enlace no se abre, escriba el código en:
mail-ics-cancelled = Esta sesión se ha cancelado: su enlace y su código ya no funcionan.
mail-ics-calendar = Sesiones con { $practice }

## El mensaje que el terapeuta copia y envía por su cuenta.

mail-copy-when = Su sesión de video con { $practice } es el { $at } y dura { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
}.
mail-copy-join = Entre aquí (el enlace se abre { $minutes ->
    [one] { $minutes } minuto
   *[other] { $minutes } minutos
} antes de la hora de inicio):
mail-copy-code = Si el enlace no se abre, escriba su código de acceso, { $code }, en esta dirección:
mail-copy-portal = Su página personal, con todas sus próximas sesiones (le conviene guardarla en favoritos):
mail-copy-help = Si nada funciona, responda a este mensaje o llame a { $practice } y lo resolveremos. Por favor, no reenvíe este mensaje: el enlace es solo para usted.
