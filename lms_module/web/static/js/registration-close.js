// LTI Dynamic Registration: tell the LMS that we are done so it can close its dialog.
(window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
