import pytest

from lms_module.lti.roles import INSTRUCTOR, STUDENT, kontor_role

M = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
I = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
S = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"


@pytest.mark.parametrize(
    "roles, expected",
    [
        ([M + "Learner"], STUDENT),  # Moodle student
        ([M + "Instructor"], INSTRUCTOR),  # Moodle editing teacher
        # Canvas: a student of this course who is staff elsewhere in the institution stays a student.
        ([I + "Instructor", I + "Student", M + "Learner"], STUDENT),
        ([I + "Administrator", M + "Learner"], STUDENT),
        ([M + "Instructor#TeachingAssistant"], INSTRUCTOR),
        (["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"], INSTRUCTOR),
        ([M + "ContentDeveloper"], INSTRUCTOR),
        (["Instructor"], INSTRUCTOR),  # short names are valid
        (["Learner"], STUDENT),
        ([I + "Administrator"], INSTRUCTOR),  # a site admin outside any course membership
        ([S + "Administrator"], INSTRUCTOR),
        ([I + "Student"], STUDENT),
        (["http://example.com/unknown#Role"], STUDENT),  # unknown roles carry no privilege
        ([], STUDENT),
        (None, STUDENT),
        ([M + "Mentor"], STUDENT),  # mentors (parents, observers) do not manage quizzes
        ([42, None, M + "Learner"], STUDENT),  # junk entries are ignored
    ],
)
def test_kontor_role(roles, expected):
    assert kontor_role(roles) == expected
